import { Injectable } from '@nestjs/common';
import { BlogView, toBlogView } from '../blogs/blog-view';
import { BlogsService } from '../blogs/blogs.service';
import { DatabaseEpoch } from '../database/database-epoch';
import { EventLog } from '../event-log/event-log.service';
import type { PostView } from '../event-log/events';
import { PostsService } from '../posts/posts.service';
import { checkPagingCursor, ReadingOrder } from '../posts/reading-order';
import { StreamService } from '../stream/stream.service';
import { keyEventLabel } from './key-event-label';

/** Entries per page of the reader page; "Load older/newer entries" fetches the next ones. */
export const ENTRIES_PER_PAGE = 20;

/** The newest key events the reader page lists: one page of the API, which reloads them. */
export const KEY_EVENTS_LISTED = 100;

/** An entry of the page's "Key events" list; `onPage` when the page shows the entry too. */
export interface KeyEventItem {
  id: number;
  label: string;
  createdAt: string;
  onPage: boolean;
}

export interface HomePage {
  title: string;
  blogs: Array<BlogView & { live: boolean; latestEntryAt: string | null }>;
}

export interface BlogPage {
  title: string;
  blog: BlogView;
  /** The page's own address, which its paging and order links keep to (the embed's differs). */
  pagePath: string;
  live: boolean;
  pinned: PostView[];
  posts: PostView[];
  lastEventId: number;
  /** The database's epoch, which the stream URL carries with `lastEventId` (database-epoch.ts). */
  epoch: string;
  readersNow: number;
  keyEvents: KeyEventItem[];
  /** Where the page's script reloads the key events after a reset of its stream. */
  keyEventsUrl: string;
  /** The id to page older entries from, when there are older entries. */
  olderBefore: number | null;
  isOlderPage: boolean;
  order: ReadingOrder;
  oldestFirst: boolean;
  /** Oldest first: the id to page newer entries from, when there are newer entries. */
  newerAfter: number | null;
  /** Oldest first, a page after the first. */
  isNewerPage: boolean;
}

export interface PermalinkPage {
  title: string;
  blog: BlogView;
  post: PostView;
}

/** What the reader pages show, gathered for their templates. */
@Injectable()
export class SiteService {
  constructor(
    private readonly blogsService: BlogsService,
    private readonly postsService: PostsService,
    private readonly eventLog: EventLog,
    private readonly streamService: StreamService,
    private readonly epoch: DatabaseEpoch,
  ) {}

  async home(): Promise<HomePage> {
    const [blogs, activity] = await Promise.all([
      this.blogsService.list(),
      this.postsService.activityByBlog(),
    ]);
    return {
      title: 'Live blogs',
      blogs: blogs.map((blog) => ({
        ...toBlogView(blog),
        live: blog.status === 'live',
        latestEntryAt: activity.get(blog.id)?.latestEntryAt.toISOString() ?? null,
      })),
    };
  }

  /**
   * The reader page: pinned entries on top, then the newest (or those older than `before`); in
   * the `oldest` order the oldest (or those newer than `after`). Pinned entries are on top of
   * the first page; a later page of the oldest order leaves them out, so none is there twice.
   */
  async blog(
    slug: string,
    before?: number,
    order: ReadingOrder = 'newest',
    after?: number,
  ): Promise<BlogPage> {
    checkPagingCursor(order, { before, after });
    const blog = await this.blogsService.findBySlug(slug);
    // The cursor is read before the entries, so the stream replays anything committed while
    // the page is assembled rather than missing it (the script ignores what it already shows).
    const lastEventId = await this.eventLog.newestId();
    const pinned =
      before || after ? [] : await this.postsService.page(blog.id, { pinned: true, order });
    const page = await this.postsService.page(blog.id, {
      before,
      after,
      order,
      limit: ENTRIES_PER_PAGE + 1,
      // An older page shows the pinned entries of its span in place, having none on top.
      pinned: before ? undefined : false,
    });
    const posts = page.slice(0, ENTRIES_PER_PAGE);
    const last = posts.at(-1);
    const nextFrom = page.length > ENTRIES_PER_PAGE && last ? last.id : null;
    const keyEvents = await this.postsService.page(blog.id, {
      keyEvent: true,
      limit: KEY_EVENTS_LISTED,
    });
    const shown = new Set([...pinned, ...posts].map((post) => post.id));
    return {
      title: blog.title,
      blog: toBlogView(blog),
      pagePath: `/blogs/${encodeURIComponent(blog.slug)}`,
      live: blog.status === 'live',
      pinned,
      posts,
      lastEventId,
      epoch: this.epoch.id,
      readersNow: this.streamService.readersOf(blog.id),
      keyEvents: keyEvents.map((post) => ({
        id: post.id,
        label: keyEventLabel(post),
        createdAt: post.createdAt,
        onPage: shown.has(post.id),
      })),
      keyEventsUrl: `/api/blogs/${encodeURIComponent(blog.slug)}/posts?keyEvent=true&limit=${KEY_EVENTS_LISTED}`,
      olderBefore: order === 'newest' ? nextFrom : null,
      isOlderPage: Boolean(before),
      order,
      oldestFirst: order === 'oldest',
      newerAfter: order === 'oldest' ? nextFrom : null,
      isNewerPage: Boolean(after),
    };
  }

  async permalink(slug: string, postId: number): Promise<PermalinkPage> {
    const blog = await this.blogsService.findBySlug(slug);
    const post = await this.postsService.findPublished(blog.id, postId);
    // The entry's own title: its headline, else its first words (as in the key events list).
    const title = `${keyEventLabel(post)} · ${blog.title}`;
    return { title, blog: toBlogView(blog), post };
  }
}
