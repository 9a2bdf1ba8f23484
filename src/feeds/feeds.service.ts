import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { Repository } from 'typeorm';
import { Blog } from '../blogs/blog.entity';
import { normalizeSlug } from '../blogs/slug';
import { NotFoundError } from '../errors/domain-errors';
import { LogEvent } from '../event-log/log-event.entity';
import { PostsService } from '../posts/posts.service';
import type { SiteLinks } from '../site/site-links';
import { atomFeed } from './atom-feed';

/** The newest published entries a feed holds. */
export const FEED_ENTRIES = 50;

/**
 * Bumped when the feed's markup changes, so that readers holding an ETag of the old markup
 * get the new one.
 */
const FEED_FORMAT = 1;

/** A blog's feed as of now: enough to answer a conditional request without reading entries. */
export interface FeedVersion {
  blog: Blog;
  /** Changes with every event of the blog, the blog's own changes, and the links' origin. */
  etag: string;
  lastModified: Date;
}

@Injectable()
export class FeedsService {
  constructor(
    @InjectRepository(Blog) private readonly blogs: Repository<Blog>,
    private readonly postsService: PostsService,
  ) {}

  /**
   * The blog and its newest event, in one query. Everything the feed shows changes by an event
   * of the blog (an entry published, edited, deleted or taken back: the log holds no event of
   * drafts) or by a change of the blog itself (its title, description or status): their ids and
   * times make the feed's version. Not a change of an author's name, which no event reports.
   */
  async version(slug: string, links: SiteLinks): Promise<FeedVersion> {
    const newestOfBlog = this.blogs.manager
      .createQueryBuilder(LogEvent, 'newest')
      .select('MAX(newest.id)')
      .where('newest.blogId = blog.id');
    const { entities, raw } = await this.blogs
      .createQueryBuilder('blog')
      // MAX(id) of one blog is one step down the (blogId, id) index.
      .leftJoin(LogEvent, 'event', `event.id = (${newestOfBlog.getQuery()})`)
      .addSelect('event.id', 'lastEventId')
      .addSelect('event.createdAt', 'lastEventAt')
      .where('blog.slug = :slug', { slug: normalizeSlug(slug) })
      .getRawAndEntities<{ lastEventId: number | null; lastEventAt: unknown }>();
    const [blog] = entities;
    if (!blog) throw new NotFoundError(`No blog with the slug "${slug}"`);
    const lastEventId = raw[0].lastEventId ?? 0;
    // A raw column is read as the driver stores it (text on SQLite): hydrated as TypeORM would.
    const createdAt = this.blogs.manager.connection
      .getMetadata(LogEvent)
      .findColumnWithPropertyName('createdAt')!;
    const lastEventAt =
      raw[0].lastEventAt === null
        ? null
        : (this.blogs.manager.connection.driver.prepareHydratedValue(
            raw[0].lastEventAt,
            createdAt,
          ) as Date);
    const origin = createHash('sha256').update(links.origin).digest('base64url').slice(0, 8);
    return {
      blog,
      etag: `"${FEED_FORMAT}-${lastEventId}-${blog.updatedAt.getTime()}-${origin}"`,
      lastModified: lastEventAt && lastEventAt > blog.updatedAt ? lastEventAt : blog.updatedAt,
    };
  }

  /**
   * The feed of `version`'s blog. Its entries are read after the version: an entry published
   * in between is in this feed under the older ETag, and comes again on the next request,
   * rather than missing from a feed cached under the newer one.
   */
  async atom(version: FeedVersion, links: SiteLinks): Promise<string> {
    const entries = await this.postsService.page(version.blog.id, { limit: FEED_ENTRIES });
    return atomFeed(version.blog, entries, version.lastModified, links);
  }
}
