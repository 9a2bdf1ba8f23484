import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnModuleDestroy,
  OnModuleInit,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { Transactions } from '../database/transactions';
import { Post } from '../posts/post.entity';
import { EventBus } from '../event-log/event-bus';
import { viewCounts } from '../event-log/events';
import { SeenViews } from './seen-views';

/** Counted views go to the database, and their new totals to the streams, this often. */
export const VIEWS_FLUSH_MS = 1000;

/**
 * Counts views in memory and writes them behind: increments are summed per entry, flushed in
 * one transaction about once a second and at shutdown, then published on the bus as one
 * view-counts event per blog with the entries' new totals (never logged: they carry no id).
 * Publishing an entry never waits on it.
 */
@Injectable()
export class ViewCounter implements OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger(ViewCounter.name);
  private readonly seen = new SeenViews();
  /** Views counted since the last flush, by entry. */
  private pending = new Map<number, number>();
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    @InjectRepository(Post) private readonly posts: Repository<Post>,
    private readonly transactions: Transactions,
    private readonly eventBus: EventBus,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), VIEWS_FLUSH_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Runs before the database closes: a clean stop loses no count. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** Counts the views a reader reports on a blog's page; ids of other blogs' entries are ignored. */
  async report(blogId: number, readerId: string, postIds: number[]): Promise<void> {
    if (postIds.length === 0) return;
    const entries = await this.posts.find({
      select: { id: true },
      where: { blogId, id: In(postIds) },
    });
    for (const { id } of entries) this.record(readerId, id);
  }

  /** Counts a view of an entry by a reader, once per reader and entry. */
  record(readerId: string, postId: number): void {
    if (!this.seen.firstView(readerId, postId)) return;
    this.pending.set(postId, (this.pending.get(postId) ?? 0) + 1);
  }

  /** Writes the counted views and pushes the new totals; one flush at a time. */
  flush(): Promise<void> {
    this.flushing = this.flushing
      .then(() => this.writePending())
      .catch((error: unknown) => this.logger.error(error));
    return this.flushing;
  }

  private async writePending(): Promise<void> {
    if (this.pending.size === 0) return;
    const increments = this.pending;
    this.pending = new Map();
    const totals = await this.transactions.run(async (manager) => {
      for (const [id, views] of increments) {
        await manager.increment(Post, { id }, 'views', views);
      }
      return manager.find(Post, {
        select: { id: true, blogId: true, views: true },
        where: { id: In([...increments.keys()]) },
      });
    });
    const countsByBlog = new Map<number, Record<string, number>>();
    for (const post of totals) {
      const counts = countsByBlog.get(post.blogId) ?? {};
      counts[post.id] = post.views;
      countsByBlog.set(post.blogId, counts);
    }
    for (const [blogId, counts] of countsByBlog) {
      this.eventBus.publishFigures(viewCounts(blogId, counts));
    }
  }
}
