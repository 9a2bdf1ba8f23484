import { Injectable } from '@nestjs/common';
import { BlogView, toBlogView } from '../blogs/blog-view';
import { UsersService } from '../auth/users.service';
import { BlogsService } from '../blogs/blogs.service';
import type { PostView } from '../event-log/events';
import { PostsService } from '../posts/posts.service';
import { SiteService } from '../site/site.service';
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
  epoch: string;
  readersNow: number;
  /** Who an entry can be credited to, by name. */
  team: Array<{ id: number; name: string }>;
}

@Injectable()
export class AdminService {
  constructor(
    private readonly blogsService: BlogsService,
    private readonly postsService: PostsService,
    private readonly streamService: StreamService,
    private readonly siteService: SiteService,
    private readonly usersService: UsersService,
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
      readersNow: this.streamService.readersOf(blog.id),
      latestEntryAt: activity.get(blog.id)?.latestEntryAt.toISOString() ?? null,
    }));
  }

  /** The blog as its reader page shows it first (one place assembles that), to write in. */
  async composer(slug: string): Promise<ComposerData> {
    const [{ blog, live, pinned, posts, lastEventId, epoch, readersNow }, users] =
      await Promise.all([this.siteService.blog(slug), this.usersService.list()]);
    const team = users
      .map(({ id, name }) => ({ id, name }))
      .sort((a, b) => a.name.localeCompare(b.name));
    return { blog, live, pinned, posts, lastEventId, epoch, readersNow, team };
  }
}
