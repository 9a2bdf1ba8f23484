import { Injectable } from '@nestjs/common';
import { BlogView, toBlogView } from '../blogs/blog-view';
import { BlogsService } from '../blogs/blogs.service';
import { EventLog } from '../event-log/event-log.service';
import type { PostView } from '../event-log/events';
import { PostsService } from '../posts/posts.service';
import { StreamService } from '../stream/stream.service';
import { keyEventLabel } from './key-event-label';

/** Entries per page of the reader page; "Load older entries" fetches the next ones. */
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
  live: boolean;
  pinned: PostView[];
  posts: PostView[];
  lastEventId: number;
  readersNow: number;
  keyEvents: KeyEventItem[];
  /** Where the page's script reloads the key events after a reset of its stream. */
  keyEventsUrl: string;
  /** The id to page older entries from, when there are older entries. */
  olderBefore: number | null;
  isOlderPage: boolean;
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

  /** The reader page: pinned entries on top, then the newest (or those older than `before`). */
  async blog(slug: string, before?: number): Promise<BlogPage> {
    const blog = await this.blogsService.findBySlug(slug);
    // The cursor is read before the entries, so the stream replays anything committed while
    // the page is assembled rather than missing it (the script ignores what it already shows).
    const lastEventId = await this.eventLog.newestId();
    const pinned = before ? [] : await this.postsService.page(blog.id, { pinned: true });
    const page = await this.postsService.page(blog.id, {
      before,
      limit: ENTRIES_PER_PAGE + 1,
      pinned: before ? undefined : false,
    });
    const posts = page.slice(0, ENTRIES_PER_PAGE);
    const oldest = posts.at(-1);
    const keyEvents = await this.postsService.page(blog.id, {
      keyEvent: true,
      limit: KEY_EVENTS_LISTED,
    });
    const shown = new Set([...pinned, ...posts].map((post) => post.id));
    return {
      title: blog.title,
      blog: toBlogView(blog),
      live: blog.status === 'live',
      pinned,
      posts,
      lastEventId,
      readersNow: this.streamService.readersOf(blog.id),
      keyEvents: keyEvents.map((post) => ({
        id: post.id,
        label: keyEventLabel(post),
        createdAt: post.createdAt,
        onPage: shown.has(post.id),
      })),
      keyEventsUrl: `/api/blogs/${encodeURIComponent(blog.slug)}/posts?keyEvent=true&limit=${KEY_EVENTS_LISTED}`,
      olderBefore: page.length > ENTRIES_PER_PAGE && oldest ? oldest.id : null,
      isOlderPage: Boolean(before),
    };
  }

  async permalink(slug: string, postId: number): Promise<PermalinkPage> {
    const blog = await this.blogsService.findBySlug(slug);
    const post = await this.postsService.findPublished(blog.id, postId);
    const title = post.title ? `${post.title} · ${blog.title}` : `${blog.title}: entry ${post.id}`;
    return { title, blog: toBlogView(blog), post };
  }
}
