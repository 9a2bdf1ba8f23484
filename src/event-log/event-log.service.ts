import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, MoreThan, Repository } from 'typeorm';
import { DatabaseEpoch } from '../database/database-epoch';
import { readSetting } from '../database/settings';
import { Transactions } from '../database/transactions';
import { MetricsService } from '../metrics/metrics.service';
import type { NewEvent } from './events';
import { LogEvent } from './log-event.entity';
import { LogFeed, newestEventId } from './log-feed';

/**
 * What a unit of work of EventLog.commit() changed, and the event that reports it; null for a
 * change readers are not told of (a draft's).
 */
export interface ChangeWithEvent<C, E extends NewEvent | null = NewEvent | null> {
  change: C;
  event: E;
}

/** The setting that says how far the log was pruned (see LogRetention). */
export const PRUNED_THROUGH_SETTING = 'events_pruned_through';

/** The id of the event committed, or null when there was none. */
type EventIdOf<E> = E extends null ? null : number;

/** The durable event log (outbox): written with each change, read by streams. */
@Injectable()
export class EventLog {
  constructor(
    @InjectRepository(LogEvent) private readonly events: Repository<LogEvent>,
    private readonly transactions: Transactions,
    private readonly feed: LogFeed,
    private readonly epoch: DatabaseEpoch,
    private readonly metrics: MetricsService = new MetricsService(),
  ) {}

  /**
   * The outbox: runs `work` in a transaction, appends the event it returns in the same
   * transaction, and has the feed publish the event on the bus once committed (on every
   * process). A change and its event commit together or not at all, and streams only ever see
   * committed events. A crash between commit and publish loses nothing: a reader's next
   * resume reads it from the log.
   */
  async commit<C, E extends NewEvent | null>(
    work: (manager: EntityManager) => Promise<ChangeWithEvent<C, E>>,
  ): Promise<{ change: C; eventId: EventIdOf<E> }> {
    let appended = false;
    const { change, logged } = await this.transactions
      .run(async (manager) => {
        const { change, event }: ChangeWithEvent<C> = await work(manager);
        if (!event) return { change, logged: null };
        const logged = await this.append(manager, event);
        appended = true;
        return { change, logged };
      })
      .catch((error: unknown) => {
        // The feed counted on this append's commit to bring the events before it (see
        // LogFeed.append): it reads them itself instead.
        if (appended) void this.feed.catchUp();
        throw error;
      });
    if (!logged) return { change, eventId: null as EventIdOf<E> };
    this.metrics.eventsPublished.inc({ type: logged.type });
    await this.feed.committed(logged);
    return { change, eventId: logged.id as EventIdOf<E> };
  }

  /** The id of the newest event of the whole log, 0 when it is empty. */
  newestId(): Promise<number> {
    return newestEventId(this.events.manager);
  }

  /** Every event up to this id has been published on this process's bus (or predates it). */
  publishedThrough(): number {
    return this.feed.publishedThrough();
  }

  /** Resolves once every event committed so far, by any process, is on this process's bus. */
  catchUp(): Promise<void> {
    return this.feed.catchUp();
  }

  /**
   * Every event up to this id may have been pruned (LOG_RETENTION_DAYS); 0 when none was. Read
   * from the database each time, as another process may have pruned.
   */
  async prunedThrough(): Promise<number> {
    return Number((await readSetting(this.events.manager, PRUNED_THROUGH_SETTING)) ?? 0);
  }

  /** One page of a blog's events newer than `afterId`, oldest first. */
  readAfter(blogId: number, afterId: number, limit: number): Promise<LogEvent[]> {
    return this.events.find({
      where: { blogId, id: MoreThan(afterId) },
      order: { id: 'ASC' },
      take: limit,
    });
  }

  private async append(manager: EntityManager, event: NewEvent): Promise<LogEvent> {
    const logged = manager.create(LogEvent, {
      blogId: event.blogId,
      type: event.type,
      postId: event.postId,
      payload: JSON.stringify(event.data),
      createdAt: new Date(),
      epoch: this.epoch.id,
    });
    logged.id = await this.feed.append(manager, logged);
    return logged;
  }
}
