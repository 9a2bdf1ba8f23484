import { Injectable } from '@nestjs/common';
import { BlogsService } from '../blogs/blogs.service';
import { PostsService } from '../posts/posts.service';
import type { SiteLinks } from './site-links';
import { xmlText } from './xml-text';

/** What crawlers are told: where they may go (robots.txt), and every blog (sitemap.xml). */
@Injectable()
export class SearchEnginesService {
  constructor(
    private readonly blogsService: BlogsService,
    private readonly postsService: PostsService,
  ) {}

  /**
   * Everything but the editors' pages and the API; nor the live streams, which never end (a
   * crawler would hold one open until its timeout). `*` in a path is RFC 9309's wildcard.
   */
  robots(links: SiteLinks): string {
    return [
      'User-agent: *',
      'Allow: /',
      'Disallow: /admin',
      'Disallow: /api/',
      'Disallow: /blogs/*/events',
      '',
      `Sitemap: ${links.sitemap()}`,
      '',
    ].join('\n');
  }

  /**
   * Every blog's page (sitemaps.org 0.9), last modified when its latest entry was published or
   * the blog itself was last changed (its title, its end), whichever is later.
   */
  async sitemap(links: SiteLinks): Promise<string> {
    const [blogs, activity] = await Promise.all([
      this.blogsService.list(),
      this.postsService.activityByBlog(),
    ]);
    const urls = blogs.map((blog) => {
      const latestEntryAt = activity.get(blog.id)?.latestEntryAt;
      const lastmod =
        latestEntryAt && latestEntryAt > blog.updatedAt ? latestEntryAt : blog.updatedAt;
      return (
        `<url><loc>${xmlText(links.blog(blog.slug))}</loc>` +
        `<lastmod>${lastmod.toISOString()}</lastmod></url>`
      );
    });
    return [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
      ...urls,
      '</urlset>',
      '',
    ].join('\n');
  }
}
