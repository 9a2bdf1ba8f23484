import { Injectable } from '@nestjs/common';
import { BlogView, toBlogView } from '../blogs/blog-view';
import { BlogsService } from '../blogs/blogs.service';
import { EventLog } from '../event-log/event-log.service';
import { PostView } from '../posts/post-view';
import { PostsService } from '../posts/posts.service';
import { StreamService } from '../stream/stream.service';

export interface DashboardBlog extends BlogView {
  live: boolean;
  entries: number;
  readersNow: number;
  latestEntryAt: string | null;
}

export interface ComposerData {
  blog: BlogView;
  live: boolean;
  pinned: PostView[];
  posts: PostView[];
  lastEventId: number;
  readersNow: number;
}

/** Entries the composer shows at first; older ones load in place. */
const COMPOSER_ENTRIES = 30;

@Injectable()
export class AdminService {
  constructor(
    private readonly blogsService: BlogsService,
    private readonly postsService: PostsService,
    private readonly streamService: StreamService,
    private readonly eventLog: EventLog,
  ) {}

  /** The blogs, live first, with their entry count, readers now and latest entry time. */
  async dashboardBlogs(): Promise<DashboardBlog[]> {
    const [blogs, activity] = await Promise.all([
      this.blogsService.list(),
      this.postsService.activityByBlog(),
    ]);
    return blogs.map((blog) => ({
      ...toBlogView(blog),
      live: blog.status === 'live',
      entries: activity.get(blog.id)?.entries ?? 0,
      readersNow: this.streamService.openStreams(blog.id),
      latestEntryAt: activity.get(blog.id)?.latestEntryAt.toISOString() ?? null,
    }));
  }

  async composer(slug: string): Promise<ComposerData> {
    const blog = await this.blogsService.findBySlug(slug);
    // Cursor first, as on the reader page: the stream replays what lands meanwhile.
    const lastEventId = await this.eventLog.newestId();
    const [pinned, posts] = await Promise.all([
      this.postsService.page(blog.id, { pinned: true }),
      this.postsService.page(blog.id, { pinned: false, limit: COMPOSER_ENTRIES }),
    ]);
    return {
      blog: toBlogView(blog),
      live: blog.status === 'live',
      pinned,
      posts,
      lastEventId,
      readersNow: this.streamService.openStreams(blog.id),
    };
  }
}
