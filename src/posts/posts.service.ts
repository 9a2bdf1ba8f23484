import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, LessThan, MoreThan, Repository } from 'typeorm';
import { User } from '../auth/user.entity';
import { BlogsService } from '../blogs/blogs.service';
import { DatabaseEpoch } from '../database/database-epoch';
import { insertRow } from '../database/plain-rows';
import { forUpdate } from '../database/row-locks';
import {
  ConflictError,
  InvalidInputError,
  NotFoundError,
  SignInRequiredError,
} from '../errors/domain-errors';
import { EventLog } from '../event-log/event-log.service';
import {
  entryDeleted,
  entryPublished,
  entryUpdated,
  NewEvent,
  PostView,
} from '../event-log/events';
import { CreatePostDto } from './dto/create-post.dto';
import { ListPostsQuery } from './dto/list-posts.query';
import { UpdatePostDto } from './dto/update-post.dto';
import { EntryRenderer } from './entry-renderer';
import {
  checkRemoval,
  isContributor,
  StateChange,
  stateAfterChange,
  stateOfNewEntry,
} from './editorial-rules';
import { Post, PostStatus } from './post.entity';
import { toPostView } from './post-view';
import { checkPagingCursor, ReadingOrder } from './reading-order';

/** The fields a PATCH may change. */
const CHANGEABLE = [
  'title',
  'body',
  'creditId',
  'status',
  'publishAt',
  'submitted',
  'reviewNote',
  'pinned',
  'keyEvent',
] as const;

export interface PostPage {
  posts: PostView[];
  lastEventId: number;
  /** The database's epoch, for the stream URL with `lastEventId` (database-epoch.ts). */
  epoch: string;
}

export interface BlogActivity {
  entries: number;
  latestEntryAt: Date;
}

/** Loaded with every entry: its bylines and their pictures. */
const BYLINES = { author: { avatar: true }, credit: { avatar: true } } as const;

/** An entry written, and the id of the event readers got; null when they got none (a draft's). */
export interface PostWrite {
  post: PostView;
  eventId: number | null;
}

@Injectable()
export class PostsService {
  constructor(
    @InjectRepository(Post) private readonly posts: Repository<Post>,
    private readonly blogsService: BlogsService,
    private readonly eventLog: EventLog,
    private readonly entryRenderer: EntryRenderer,
    private readonly epoch: DatabaseEpoch,
  ) {}

  /**
   * A blog's entries, newest first (or oldest first), with the event id a stream should resume
   * after. Drafts and scheduled entries only for a signed-in `viewer`; a contributor sees only
   * their own.
   */
  async list(slug: string, query: ListPostsQuery, viewer: User | undefined): Promise<PostPage> {
    if (query.status !== 'published' && !viewer) {
      throw new SignInRequiredError(`Sign in to see ${query.status} entries`);
    }
    checkPagingCursor(query.order, query);
    if (query.status === 'scheduled' && query.order === 'oldest') {
      throw new InvalidInputError('Scheduled entries are listed soonest first, in no other order');
    }
    const blog = await this.blogsService.findBySlug(slug);
    // Read the cursor before the entries: an entry committed in between is then both in the
    // page and replayed (the client upserts it), never in neither.
    const lastEventId = await this.eventLog.newestId();
    const ownOnly = query.status !== 'published' && viewer && isContributor(viewer);
    const posts = await this.page(blog.id, { ...query, authorId: ownOnly ? viewer.id : undefined });
    return { posts, lastEventId, epoch: this.epoch.id };
  }

  /**
   * Entries newest first, or oldest first with `order: 'oldest'`; only older than `before` or
   * newer than `after`, or with the `pinned`/`keyEvent`/`authorId` given; published ones unless
   * another `status` is asked for.
   */
  async page(
    blogId: number,
    options: {
      before?: number;
      after?: number;
      order?: ReadingOrder;
      limit?: number;
      pinned?: boolean;
      keyEvent?: boolean;
      status?: PostStatus;
      authorId?: number;
    },
  ): Promise<PostView[]> {
    const posts = await this.posts.find({
      where: {
        blogId,
        status: options.status ?? 'published',
        ...(options.authorId === undefined ? {} : { authorId: options.authorId }),
        ...(options.before ? { id: LessThan(options.before) } : {}),
        ...(options.after ? { id: MoreThan(options.after) } : {}),
        ...(options.pinned === undefined ? {} : { pinned: options.pinned }),
        ...(options.keyEvent === undefined ? {} : { keyEvent: options.keyEvent }),
      },
      relations: BYLINES,
      // Scheduled ones in the order they will appear.
      order:
        options.status === 'scheduled'
          ? { publishAt: 'ASC', id: 'ASC' }
          : { id: options.order === 'oldest' ? 'ASC' : 'DESC' },
      take: options.limit,
    });
    return posts.map(toPostView);
  }

  /** A published entry, as readers see it. */
  async findPublished(blogId: number, postId: number): Promise<PostView> {
    const post = await this.findInBlog(this.posts.manager, blogId, postId, false);
    if (post.status !== 'published') throw new NotFoundError(`No entry ${postId} in this blog`);
    return toPostView(post);
  }

  /** How many entries each blog has and when it got the latest, by blog id. */
  async activityByBlog(): Promise<Map<number, BlogActivity>> {
    const rows = await this.posts
      .createQueryBuilder('post')
      .select('post.blogId', 'blogId')
      .addSelect('COUNT(*)', 'entries')
      .addSelect('MAX(post.createdAt)', 'latest')
      .where('post.status = :status', { status: 'published' })
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
    if (blog.status === 'ended') throw endedBlog(blog.slug);
    const state = stateOfNewEntry(author, stateChangeOf(dto));
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
        ...state,
        submittedAt: dto.submitted ? now : null,
        reviewNote: null,
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
      return { change: view, event: state.status === 'published' ? entryPublished(view) : null };
    });
    return { post: change, eventId };
  }

  /**
   * Changes an entry. What readers are told follows its status before and after: an edit of a
   * published entry is an `update`; publishing a draft or scheduled entry a `post` (it gets a
   * new id, its place among the published ones: see publish()); taking a published entry back
   * a `delete`; anything that stays unpublished nothing.
   */
  async update(slug: string, postId: number, dto: UpdatePostDto, user: User): Promise<PostWrite> {
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
      const wasPublished = post.status === 'published';
      const state = stateAfterChange(user, post, stateChangeOf(dto));
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
      Object.assign(post, state);
      if (state.status !== 'draft') {
        post.submittedAt = null;
        post.reviewNote = null;
      } else if (dto.submitted !== undefined) {
        post.submittedAt = dto.submitted ? new Date() : null;
        // A note goes with sending back; submitting again means it was heeded.
        post.reviewNote = dto.submitted ? null : (dto.reviewNote ?? null);
      }
      post.version += 1;
      post.updatedAt = new Date();
      if (state.status === 'published' && !wasPublished) {
        if (blog.status === 'ended') throw endedBlog(blog.slug);
        return this.publish(manager, post);
      }
      await manager.save(post);
      const view = toPostView(post);
      if (!wasPublished) return { change: view, event: null };
      return {
        change: view,
        event: state.status === 'published' ? entryUpdated(view) : entryDeleted(blog.id, post.id),
      };
    });
    return { post: change, eventId };
  }

  /**
   * Publishes the scheduled entries that are due, one transaction each, until none is; each
   * exactly once, even with several processes at it (see dueEntry). Answers how many.
   */
  async publishDue(): Promise<number> {
    // Most looks find nothing: they answer from one read, without a transaction (on SQLite,
    // one would queue behind the writes, twice a second).
    if (!(await this.dueQuery(this.posts.manager).getExists())) return 0;
    for (let published = 0; ; published++) {
      const { change: done } = await this.eventLog.commit(async (manager) => {
        const due = await this.dueEntry(manager);
        return due ? this.publish(manager, due) : { change: null, event: null };
      });
      if (!done) return published;
    }
  }

  /** Deletes an entry; readers are told only if it was published. */
  async remove(slug: string, postId: number, user: User): Promise<{ eventId: number | null }> {
    const blog = await this.blogsService.findBySlug(slug);
    const { eventId } = await this.eventLog.commit(async (manager) => {
      const post = await this.findInBlog(manager, blog.id, postId);
      checkRemoval(user, post);
      await manager.delete(Post, { id: post.id });
      const event = post.status === 'published' ? entryDeleted(blog.id, post.id) : null;
      return { change: undefined, event };
    });
    return { eventId };
  }

  /**
   * Publishes an unpublished entry in `manager`'s transaction. It is written anew, with the next
   * id and the time of now: entries are ordered by id, so it appears on top, where readers look
   * for what is new, not where it was drafted. Its row under the old id goes.
   */
  private async publish(
    manager: EntityManager,
    entry: Post,
  ): Promise<{ change: PostView; event: NewEvent }> {
    await manager.delete(Post, { id: entry.id });
    const now = new Date();
    const { author, credit, ...fields } = entry;
    const post = manager.create(Post, {
      ...fields,
      id: undefined,
      status: 'published',
      publishAt: null,
      submittedAt: null,
      reviewNote: null,
      createdAt: now,
      updatedAt: now,
    });
    post.id = await insertRow(manager, Post, post);
    Object.assign(post, { author, credit });
    const view = toPostView(post);
    return { change: view, event: entryPublished(view) };
  }

  /**
   * The scheduled entry due first, locked for this transaction; of a live blog only (an ended
   * blog takes no new entries: its scheduled ones wait for it to be restarted). On PostgreSQL another process
   * skips a row locked so (SKIP LOCKED) and once this one commits the row is gone: each due
   * entry is published by one process, once. SQLite has one process.
   */
  private async dueEntry(manager: EntityManager): Promise<Post | null> {
    const query = this.dueQuery(manager).limit(1);
    if (manager.connection.options.type === 'postgres') {
      query.setLock('pessimistic_write', undefined, ['post']).setOnLocked('skip_locked');
    }
    const found = await query.getOne();
    return found && this.findInBlog(manager, found.blogId, found.id);
  }

  /** The scheduled entries of live blogs that are due, the first due first. */
  private dueQuery(manager: EntityManager) {
    return manager
      .createQueryBuilder(Post, 'post')
      .innerJoin('post.blog', 'blog', 'blog.status = :live', { live: 'live' })
      .where('post.status = :status', { status: 'scheduled' })
      .andWhere('post.publishAt <= :now', { now: new Date() })
      .orderBy('post.publishAt', 'ASC')
      .addOrderBy('post.id', 'ASC');
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

/** The state a write asks for, publishAt read as a time. */
function stateChangeOf(dto: CreatePostDto | UpdatePostDto): StateChange {
  return {
    status: dto.status,
    publishAt: dto.publishAt === undefined ? undefined : new Date(dto.publishAt),
    submitted: dto.submitted,
    reviewNote: 'reviewNote' in dto ? dto.reviewNote : undefined,
  };
}

function endedBlog(slug: string): ConflictError {
  return new ConflictError(`The blog "${slug}" has ended and takes no new entries`);
}
