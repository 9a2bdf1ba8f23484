import type { BlogStatus } from '../blogs/blog.entity';
import type { PostView } from '../event-log/events';
import { clip, headlineOf, HEADLINE_MAX, imageOf, plainTextOf } from './entry-summary';
import type { SiteLinks } from './site-links';

/*
 * schema.org JSON-LD for search engines, following Google's rules for live coverage: the blog
 * page is a LiveBlogPosting whose liveBlogUpdate lists the newest entries as BlogPostings;
 * a permalink page is one BlogPosting, part of the blog's LiveBlogPosting.
 */

/** What of a blog the structured data says. */
export interface CoveredBlog {
  slug: string;
  title: string;
  description: string;
  status: BlogStatus;
  createdAt: Date;
  updatedAt: Date;
}

type JsonLd = Record<string, unknown>;

/**
 * The blog as a LiveBlogPosting. `updates`: its newest published entries, newest first.
 * Coverage ends when the blog has: the schema keeps no time of ending, so the last entry's
 * time stands for it (the blog's last change when it has none).
 */
export function liveBlogPosting(
  blog: CoveredBlog,
  description: string,
  updates: PostView[],
  links: SiteLinks,
): JsonLd {
  const url = links.blog(blog.slug);
  const newest = updates[0];
  const changes = [blog.updatedAt.toISOString(), ...updates.map((post) => post.updatedAt)];
  const image = updates.map((post) => imageOf(post.html, links)).find(Boolean);
  return {
    '@context': 'https://schema.org',
    '@type': 'LiveBlogPosting',
    '@id': url,
    url,
    mainEntityOfPage: url,
    headline: clip(blog.title, HEADLINE_MAX),
    description,
    datePublished: blog.createdAt.toISOString(),
    // ISO 8601 in UTC sorts as time does.
    dateModified: changes.sort().at(-1),
    coverageStartTime: blog.createdAt.toISOString(),
    ...(blog.status === 'ended'
      ? { coverageEndTime: newest?.createdAt ?? blog.updatedAt.toISOString() }
      : {}),
    ...(image ? { image } : {}),
    liveBlogUpdate: updates.map((post) => blogPosting(post, blog.slug, links)),
  };
}

/** One entry as a BlogPosting of the blog's live coverage. */
export function blogPosting(post: PostView, slug: string, links: SiteLinks): JsonLd {
  const url = links.permalink(slug, post.id);
  const image = imageOf(post.html, links);
  return {
    '@type': 'BlogPosting',
    '@id': url,
    url,
    headline: headlineOf(post),
    articleBody: plainTextOf(post.html),
    datePublished: post.createdAt,
    dateModified: post.updatedAt,
    author: { '@type': 'Person', name: post.author.name },
    ...(post.credit ? { contributor: { '@type': 'Person', name: post.credit.name } } : {}),
    ...(image ? { image } : {}),
  };
}

/** A permalink page's entry: a BlogPosting of its own, part of the blog's LiveBlogPosting. */
export function permalinkPosting(
  post: PostView,
  blog: { slug: string; title: string },
  links: SiteLinks,
): JsonLd {
  const posting = blogPosting(post, blog.slug, links);
  return {
    '@context': 'https://schema.org',
    ...posting,
    mainEntityOfPage: posting.url,
    isPartOf: {
      '@type': 'LiveBlogPosting',
      '@id': links.blog(blog.slug),
      url: links.blog(blog.slug),
      headline: clip(blog.title, HEADLINE_MAX),
    },
  };
}

/**
 * JSON to put inside a `<script type="application/ld+json">`: an HTML parser ends the element
 * at the first `</script` whatever the JSON means, so `<` (and `>`, `&`, for older parsers)
 * are written as \u escapes, which JSON reads as the same characters. U+2028 and U+2029 too,
 * for tools that read JSON as JavaScript.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
