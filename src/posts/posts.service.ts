import {
  BadRequestException,
  ConflictException,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, LessThan, Repository } from 'typeorm';
import { User } from '../auth/user.entity';
import { BlogsService } from '../blogs/blogs.service';
import { Transactions } from '../database/transactions';
import { EventBus } from '../event-log/event-bus';
import { EventLog, NewLogEvent } from '../event-log/event-log.service';
import { CreatePostDto } from './dto/create-post.dto';
import { ListPostsQuery } from './dto/list-posts.query';
import { UpdatePostDto } from './dto/update-post.dto';
import { renderMarkdown } from './markdown';
import { Post } from './post.entity';
import { PostView, toPostView } from './post-view';

export interface PostPage {
  posts: PostView[];
  lastEventId: number;
}

export interface PostWrite {
  post: PostView;
  eventId: number;
}

@Injectable()
export class PostsService {
  constructor(
    @InjectRepository(Post) private readonly posts: Repository<Post>,
    private readonly blogsService: BlogsService,
    private readonly transactions: Transactions,
    private readonly eventLog: EventLog,
    private readonly eventBus: EventBus,
  ) {}

  /** A blog's entries, newest first, with the event id a stream should resume after. */
  async list(slug: string, query: ListPostsQuery): Promise<PostPage> {
    const blog = await this.blogsService.findBySlug(slug);
    // Read the cursor before the entries: an entry committed in between is then both in the
    // page and replayed (the client upserts it), never in neither.
    const lastEventId = await this.eventLog.newestId();
    const posts = await this.page(blog.id, { before: query.before, limit: query.limit });
    return { posts, lastEventId };
  }

  /** Entries newest first, older than `before` when given; without the pinned ones if asked. */
  async page(
    blogId: number,
    options: { before?: number; limit: number; pinned?: boolean },
  ): Promise<PostView[]> {
    const posts = await this.posts.find({
      where: {
        blogId,
        ...(options.before ? { id: LessThan(options.before) } : {}),
        ...(options.pinned === undefined ? {} : { pinned: options.pinned }),
      },
      relations: { author: true },
      order: { id: 'DESC' },
      take: options.limit,
    });
    return posts.map(toPostView);
  }

  async findOne(blogId: number, postId: number): Promise<PostView> {
    return toPostView(await this.findInBlog(this.posts.manager, blogId, postId));
  }

  /** When each blog last got an entry, by blog id. */
  async latestEntryTimes(): Promise<Map<number, Date>> {
    const rows = await this.posts
      .createQueryBuilder('post')
      .select('post.blogId', 'blogId')
      .addSelect('MAX(post.id)', 'newestId')
      .groupBy('post.blogId')
      .getRawMany<{ blogId: number; newestId: number }>();
    if (rows.length === 0) return new Map();
    const newest = await this.posts.find({
      select: { blogId: true, createdAt: true },
      where: { id: In(rows.map((row) => row.newestId)) },
    });
    return new Map(newest.map((post) => [post.blogId, post.createdAt]));
  }

  async create(slug: string, author: User, dto: CreatePostDto): Promise<PostWrite> {
    const blog = await this.blogsService.findBySlug(slug);
    if (blog.status === 'ended') {
      throw new ConflictException(`The blog "${blog.slug}" has ended and takes no new entries`);
    }
    const html = renderMarkdown(dto.body);
    return this.writeWithEvent(async (manager) => {
      const now = new Date();
      const post = await manager.save(
        manager.create(Post, {
          blogId: blog.id,
          authorId: author.id,
          body: dto.body,
          html,
          pinned: dto.pinned ?? false,
          keyEvent: dto.keyEvent ?? false,
          version: 1,
          createdAt: now,
          updatedAt: now,
        }),
      );
      post.author = author;
      return { post, type: 'post' };
    });
  }

  async update(slug: string, postId: number, dto: UpdatePostDto): Promise<PostWrite> {
    if (dto.body === undefined && dto.pinned === undefined && dto.keyEvent === undefined) {
      throw new BadRequestException('Give at least one of body, pinned, keyEvent');
    }
    const blog = await this.blogsService.findBySlug(slug);
    const html = dto.body === undefined ? undefined : renderMarkdown(dto.body);
    return this.writeWithEvent(async (manager) => {
      const post = await this.findInBlog(manager, blog.id, postId);
      if (dto.version !== undefined && dto.version !== post.version) {
        throw new ConflictException({
          statusCode: 409,
          error: 'Conflict',
          message: `Entry ${postId} was changed meanwhile: you edited version ${dto.version}, it is now at version ${post.version}`,
          post: toPostView(post),
        });
      }
      if (dto.body !== undefined && html !== undefined) {
        post.body = dto.body;
        post.html = html;
      }
      post.pinned = dto.pinned ?? post.pinned;
      post.keyEvent = dto.keyEvent ?? post.keyEvent;
      post.version += 1;
      post.updatedAt = new Date();
      await manager.save(post);
      return { post, type: 'update' };
    });
  }

  async remove(slug: string, postId: number): Promise<{ eventId: number }> {
    const blog = await this.blogsService.findBySlug(slug);
    const event = await this.transactions.run(async (manager) => {
      const post = await this.findInBlog(manager, blog.id, postId);
      await manager.delete(Post, { id: post.id });
      return this.eventLog.append(manager, {
        blogId: blog.id,
        type: 'delete',
        postId: post.id,
        data: { postId: post.id },
      });
    });
    this.eventBus.publish(event);
    return { eventId: event.id };
  }

  /**
   * Runs a write of one entry and appends its event in the same transaction (the outbox rule),
   * then publishes the event, only once it is committed.
   */
  private async writeWithEvent(
    write: (manager: EntityManager) => Promise<{ post: Post; type: NewLogEvent['type'] }>,
  ): Promise<PostWrite> {
    const { view, event } = await this.transactions.run(async (manager) => {
      const { post, type } = await write(manager);
      const view = toPostView(post);
      const event = await this.eventLog.append(manager, {
        blogId: post.blogId,
        type,
        postId: post.id,
        data: { post: view },
      });
      return { view, event };
    });
    this.eventBus.publish(event);
    return { post: view, eventId: event.id };
  }

  private async findInBlog(manager: EntityManager, blogId: number, postId: number): Promise<Post> {
    const post = await manager.findOne(Post, {
      where: { id: postId, blogId },
      relations: { author: true },
    });
    if (!post) throw new NotFoundException(`No entry ${postId} in this blog`);
    return post;
  }
}
