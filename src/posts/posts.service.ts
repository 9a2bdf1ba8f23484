import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, LessThan, Repository } from 'typeorm';
import { User } from '../auth/user.entity';
import { BlogsService } from '../blogs/blogs.service';
import { insertRow } from '../database/plain-rows';
import { forUpdate } from '../database/row-locks';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors/domain-errors';
import { EventLog } from '../event-log/event-log.service';
import { entryDeleted, entryPublished, entryUpdated, PostView } from '../event-log/events';
import { CreatePostDto } from './dto/create-post.dto';
import { ListPostsQuery } from './dto/list-posts.query';
import { UpdatePostDto } from './dto/update-post.dto';
import { EntryRenderer } from './entry-renderer';
import { Post } from './post.entity';
import { toPostView } from './post-view';

/** The fields a PATCH may change. */
const CHANGEABLE = ['title', 'body', 'creditId', 'pinned', 'keyEvent'] as const;

export interface PostPage {
  posts: PostView[];
  lastEventId: number;
}

export interface BlogActivity {
  entries: number;
  latestEntryAt: Date;
}

/** Loaded with every entry: its bylines and their pictures. */
const BYLINES = { author: { avatar: true }, credit: { avatar: true } } as const;

export interface PostWrite {
  post: PostView;
  eventId: number;
}

@Injectable()
export class PostsService {
  constructor(
    @InjectRepository(Post) private readonly posts: Repository<Post>,
    private readonly blogsService: BlogsService,
    private readonly eventLog: EventLog,
    private readonly entryRenderer: EntryRenderer,
  ) {}

  /** A blog's entries, newest first, with the event id a stream should resume after. */
  async list(slug: string, query: ListPostsQuery): Promise<PostPage> {
    const blog = await this.blogsService.findBySlug(slug);
    // Read the cursor before the entries: an entry committed in between is then both in the
    // page and replayed (the client upserts it), never in neither.
    const lastEventId = await this.eventLog.newestId();
    const posts = await this.page(blog.id, query);
    return { posts, lastEventId };
  }

  /** Entries newest first; only older than `before`, or with the `pinned`/`keyEvent` given. */
  async page(
    blogId: number,
    options: { before?: number; limit?: number; pinned?: boolean; keyEvent?: boolean },
  ): Promise<PostView[]> {
    const posts = await this.posts.find({
      where: {
        blogId,
        ...(options.before ? { id: LessThan(options.before) } : {}),
        ...(options.pinned === undefined ? {} : { pinned: options.pinned }),
        ...(options.keyEvent === undefined ? {} : { keyEvent: options.keyEvent }),
      },
      relations: BYLINES,
      order: { id: 'DESC' },
      take: options.limit,
    });
    return posts.map(toPostView);
  }

  async findOne(blogId: number, postId: number): Promise<PostView> {
    return toPostView(await this.findInBlog(this.posts.manager, blogId, postId, false));
  }

  /** How many entries each blog has and when it got the latest, by blog id. */
  async activityByBlog(): Promise<Map<number, BlogActivity>> {
    const rows = await this.posts
      .createQueryBuilder('post')
      .select('post.blogId', 'blogId')
      .addSelect('COUNT(*)', 'entries')
      .addSelect('MAX(post.createdAt)', 'latest')
      .groupBy('post.blogId')
      .getRawMany<{ blogId: number; entries: number | string; latest: unknown }>();
    // Raw rows skip TypeORM's hydration: the driver reads the date as it stores it (text on
    // SQLite), and PostgreSQL counts in bigint, which arrives as text.
    const { driver } = this.posts.manager.connection;
    const createdAt = this.posts.metadata.findColumnWithPropertyName('createdAt')!;
    return new Map(
      rows.map((row) => [
        row.blogId,
        {
          entries: Number(row.entries),
          latestEntryAt: driver.prepareHydratedValue(row.latest, createdAt) as Date,
        },
      ]),
    );
  }

  async create(slug: string, author: User, dto: CreatePostDto): Promise<PostWrite> {
    const blog = await this.blogsService.findBySlug(slug);
    if (blog.status === 'ended') {
      throw new ConflictError(`The blog "${blog.slug}" has ended and takes no new entries`);
    }
    const html = await this.entryRenderer.render(dto.body, blog.id);
    const credit = dto.creditId ? await this.creditedUser(dto.creditId, author.id) : null;
    // The signed-in user comes without their picture; most have none.
    const byline = author.avatarId === null ? author : await this.userWithAvatar(author.id);
    const { change, eventId } = await this.eventLog.commit(async (manager) => {
      const now = new Date();
      const post = manager.create(Post, {
        blogId: blog.id,
        authorId: author.id,
        title: dto.title || null,
        creditId: credit?.id ?? null,
        body: dto.body,
        html,
        pinned: dto.pinned ?? false,
        keyEvent: dto.keyEvent ?? false,
        version: 1,
        views: 0,
        createdAt: now,
        updatedAt: now,
      });
      post.id = await insertRow(manager, Post, post);
      post.author = byline ?? author;
      post.credit = credit;
      const view = toPostView(post);
      return { change: view, event: entryPublished(view) };
    });
    return { post: change, eventId };
  }

  async update(slug: string, postId: number, dto: UpdatePostDto): Promise<PostWrite> {
    if (CHANGEABLE.every((field) => dto[field] === undefined)) {
      throw new InvalidInputError(`Give at least one of ${CHANGEABLE.join(', ')}`);
    }
    const blog = await this.blogsService.findBySlug(slug);
    const source =
      dto.body === undefined
        ? {}
        : {
            body: dto.body,
            html: await this.entryRenderer.render(dto.body, blog.id),
          };
    const { change, eventId } = await this.eventLog.commit(async (manager) => {
      const post = await this.findInBlog(manager, blog.id, postId);
      const credit =
        dto.creditId === undefined
          ? post.credit
          : dto.creditId
            ? await this.creditedUser(dto.creditId, post.authorId, manager)
            : null;
      if (dto.version !== undefined && dto.version !== post.version) {
        throw new ConflictError(
          `Entry ${postId} was changed meanwhile: you edited version ${dto.version}, it is now at version ${post.version}`,
          { post: toPostView(post) },
        );
      }
      Object.assign(post, source);
      post.title = dto.title === undefined ? post.title : dto.title || null;
      post.credit = credit ?? null;
      post.creditId = credit?.id ?? null;
      post.pinned = dto.pinned ?? post.pinned;
      post.keyEvent = dto.keyEvent ?? post.keyEvent;
      post.version += 1;
      post.updatedAt = new Date();
      await manager.save(post);
      const view = toPostView(post);
      return { change: view, event: entryUpdated(view) };
    });
    return { post: change, eventId };
  }

  async remove(slug: string, postId: number): Promise<{ eventId: number }> {
    const blog = await this.blogsService.findBySlug(slug);
    const { eventId } = await this.eventLog.commit(async (manager) => {
      const post = await this.findInBlog(manager, blog.id, postId);
      await manager.delete(Post, { id: post.id });
      return { change: undefined, event: entryDeleted(blog.id, post.id) };
    });
    return { eventId };
  }

  /** An active user other than the entry's author, with their picture; else a 400. */
  private async creditedUser(
    userId: number,
    authorId: number,
    manager = this.posts.manager,
  ): Promise<User> {
    if (userId === authorId) {
      throw new InvalidInputError('An entry is already by its author: credit someone else');
    }
    const user = await this.userWithAvatar(userId, manager);
    if (!user || user.removedAt) throw new InvalidInputError(`No user ${userId} to credit`);
    return user;
  }

  private userWithAvatar(userId: number, manager = this.posts.manager): Promise<User | null> {
    return manager.findOne(User, { where: { id: userId }, relations: { avatar: true } });
  }

  /** The entry; `toChange` locks it until the transaction ends (see forUpdate). */
  private async findInBlog(
    manager: EntityManager,
    blogId: number,
    postId: number,
    toChange = true,
  ): Promise<Post> {
    const post = await manager.findOne(Post, {
      where: { id: postId, blogId },
      relations: BYLINES,
      lock: toChange ? forUpdate(manager, Post) : undefined,
    });
    if (!post) throw new NotFoundError(`No entry ${postId} in this blog`);
    return post;
  }
}
