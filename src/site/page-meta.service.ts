import { Injectable } from '@nestjs/common';
import { BlogsService } from '../blogs/blogs.service';
import type { PostView } from '../event-log/events';
import { PostsService } from '../posts/posts.service';
import { clip, DESCRIPTION_MAX, descriptionOf, headlineOf, imageOf } from './entry-summary';
import type { SiteLinks } from './site-links';
import { type BlogPage, ENTRIES_PER_PAGE, type PermalinkPage } from './site.service';
import { jsonForScript, liveBlogPosting, permalinkPosting } from './structured-data';

/** What a reader page says of itself in its <head> (views/partials/page-meta.hbs). */
export interface PageMeta {
  title: string;
  description: string;
  /** The canonical URL, absolute. */
  url: string;
  /** The image of the page's social preview, absolute; null for none. */
  image: string | null;
  /** The blog's Atom feed, which its page advertises. */
  feed: { url: string; title: string } | null;
  /** The page's schema.org JSON-LD, ready for its <script> element (see jsonForScript). */
  jsonLd: string;
}

/**
 * The newest entries a blog page's structured data lists as its live blog updates: as many as
 * its first page shows, so that page's own entries serve without another query (see
 * shownNewest).
 */
export const UPDATES_LISTED = ENTRIES_PER_PAGE;

/**
 * The newest entries when the page shows them, as the blog's first page in the newest-first
 * order does: its pinned entries and the newest others hold the newest of all. This spares
 * the most read page a query. Both are published entries only, like page()'s default.
 */
function shownNewest(page: BlogPage): PostView[] | null {
  if (page.order !== 'newest' || page.isOlderPage) return null;
  return [...page.pinned, ...page.posts].sort((a, b) => b.id - a.id).slice(0, UPDATES_LISTED);
}

/** Canonical links, social previews and structured data of the reader pages. */
@Injectable()
export class PageMetaService {
  constructor(
    private readonly blogsService: BlogsService,
    private readonly postsService: PostsService,
  ) {}

  /**
   * A blog page's: the same for each of its pages (older entries, another order), whose
   * canonical URL is the blog's; so they list the newest entries, whatever the page shows.
   */
  async ofBlog(page: BlogPage, links: SiteLinks): Promise<PageMeta> {
    const blog = await this.blogsService.findBySlug(page.blog.slug);
    const updates =
      shownNewest(page) ?? (await this.postsService.page(blog.id, { limit: UPDATES_LISTED }));
    const description = clip(
      blog.description.replace(/\s+/g, ' ').trim() || `Live coverage: ${blog.title}`,
      DESCRIPTION_MAX,
    );
    return {
      title: blog.title,
      description,
      url: links.blog(blog.slug),
      image: updates.map((post) => imageOf(post.html, links)).find(Boolean) ?? null,
      feed: { url: links.feed(blog.slug), title: `${blog.title} (Atom feed)` },
      jsonLd: jsonForScript(liveBlogPosting(blog, description, updates, links)),
    };
  }

  /** An entry's permalink page's: the entry's own title, text and image. */
  ofPermalink(page: PermalinkPage, links: SiteLinks): PageMeta {
    const { blog, post } = page;
    return {
      title: page.title,
      description: descriptionOf(post.html) || headlineOf(post),
      url: links.permalink(blog.slug, post.id),
      image: imageOf(post.html, links),
      feed: null,
      jsonLd: jsonForScript(permalinkPosting(post, blog, links)),
    };
  }
}
