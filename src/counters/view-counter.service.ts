import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnModuleDestroy,
  OnModuleInit,
  Optional,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { storageFailureOf } from '../database/database-errors';
import { Transactions } from '../database/transactions';
import { Post } from '../posts/post.entity';
import { EventBus } from '../event-log/event-bus';
import { type BlogFigures, viewCounts } from '../event-log/events';
import { MetricsService } from '../metrics/metrics.service';
import { FiguresRelay } from '../redis/figures-relay';
import { RedisConnection } from '../redis/redis-connection';
import { SeenViews } from './seen-views';
import { SharedSeenViews } from './shared-seen-views';

/** Counted views go to the database, and their new totals to the streams, this often. */
export const VIEWS_FLUSH_MS = 1000;

/**
 * Counts views in memory and writes them behind: increments are summed per entry, flushed in
 * one transaction about once a second and at shutdown, then published on the bus as one
 * view-counts event per blog with the entries' new totals (never logged: they carry no id).
 * Publishing an entry never waits on it.
 *
 * With Redis, several processes: which reader has seen what is shared (a reader counts once
 * per entry whichever process they reach), and the totals go out through FiguresRelay to the
 * readers of every process. Increments stay in each process and every process flushes its
 * own: adding to a total is commutative, so the flushes need no coordination.
 */
@Injectable()
export class ViewCounter implements OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger(ViewCounter.name);
  private readonly seen: SeenViews | SharedSeenViews;
  /** Views counted since the last flush, by entry. */
  private pending = new Map<number, number>();
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    @InjectRepository(Post) private readonly posts: Repository<Post>,
    private readonly transactions: Transactions,
    private readonly eventBus: EventBus,
    private readonly metrics: MetricsService,
    @Optional() redis?: RedisConnection,
    @Optional() private readonly figuresRelay?: FiguresRelay,
  ) {
    this.seen = redis ? new SharedSeenViews(redis) : new SeenViews();
  }

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
    const unwritten = [...this.pending.values()].reduce((sum, views) => sum + views, 0);
    if (unwritten > 0) this.logger.warn(`${unwritten} views could not be written before stopping`);
  }

  /** Counts the views a reader reports on a blog's page; ids of other blogs' entries are ignored. */
  async report(blogId: number, readerId: string, postIds: number[]): Promise<void> {
    this.metrics.viewReports.inc();
    if (postIds.length === 0) return;
    const entries = await this.posts.find({
      select: { id: true },
      // Only what readers can see: a draft's id is no secret to count, nor to leak.
      where: { blogId, id: In(postIds), status: 'published' },
    });
    const ids = entries.map((entry) => entry.id);
    await this.count(readerId, ids);
  }

  /** Counts a view of an entry by a reader, once per reader and entry; never waited for. */
  record(readerId: string, postId: number): void {
    this.metrics.viewReports.inc();
    void this.count(readerId, [postId]);
  }

  /** One question to the dedupe store (one round trip with Redis) for all the entries. */
  private async count(readerId: string, postIds: number[]): Promise<void> {
    for (const postId of await this.seen.firstViews(readerId, postIds)) {
      this.pending.set(postId, (this.pending.get(postId) ?? 0) + 1);
      this.metrics.viewsCounted.inc();
    }
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
    const totals = await this.transactions
      .run(async (manager) => {
        for (const [id, views] of increments) {
          await manager.increment(Post, { id }, 'views', views);
        }
        return manager.find(Post, {
          select: { id: true, blogId: true, views: true },
          where: { id: In([...increments.keys()]), status: 'published' },
        });
      })
      .catch((error: unknown) => {
        // Kept for the next flush: a full disk or PostgreSQL down delays views, loses none.
        for (const [id, views] of increments) {
          this.pending.set(id, (this.pending.get(id) ?? 0) + views);
        }
        // StorageStatus says it once; a log line every second would say it again.
        if (storageFailureOf(error)) return [];
        throw error;
      });
    const countsByBlog = new Map<number, Record<string, number>>();
    for (const post of totals) {
      const counts = countsByBlog.get(post.blogId) ?? {};
      counts[post.id] = post.views;
      countsByBlog.set(post.blogId, counts);
    }
    for (const [blogId, counts] of countsByBlog) {
      await this.publish(viewCounts(blogId, counts));
    }
  }

  private async publish(figures: BlogFigures): Promise<void> {
    if (this.figuresRelay) await this.figuresRelay.publish(figures);
    else this.eventBus.publishFigures(figures);
  }
}
