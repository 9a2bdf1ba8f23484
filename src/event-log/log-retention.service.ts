import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { EntityManager, MoreThan } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { readSetting, writeSetting } from '../database/settings';
import { Transactions } from '../database/transactions';
import { PRUNED_THROUGH_SETTING } from './event-log.service';
import { LogEvent } from './log-event.entity';

/** Events deleted per transaction: a few milliseconds, so publishes wait on none for long. */
export const PRUNE_BATCH_SIZE = 500;
const DAY_MS = 24 * 60 * 60 * 1000;
/** The advisory lock key a PostgreSQL process prunes under ("LBPRUNES"). */
const PRUNE_LOCK = 0x4c425052_554e4553n.toString();

/** What one pruning did: the events deleted in each batch. */
export interface Pruning {
  batches: number[];
  prunedThrough: number;
}

/**
 * A bounded event log (LOG_RETENTION_DAYS): events older than that are deleted at start and
 * then daily; the entries stay. The log is pruned from its oldest event on, in id order, and
 * only as far as every event is older than the cutoff, so pruning walks the primary key and
 * never scans the table. Each batch is its own short transaction and records how far the log
 * is pruned (PRUNED_THROUGH_SETTING) with its deletes; a stream that would have to replay from
 * before that point opens with `reset` (StreamService). The newest event is always kept: the
 * log's ids go on from it, and cursors are compared with it.
 *
 * On PostgreSQL, each batch takes an advisory lock for its transaction; a process that finds
 * it taken leaves the pruning to the one holding it.
 */
@Injectable()
export class LogRetention implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(LogRetention.name);
  private readonly retentionDays?: number;
  private timer?: NodeJS.Timeout;
  private running: Promise<unknown> = Promise.resolve();
  private stopping = false;

  constructor(
    config: AppConfig,
    private readonly transactions: Transactions,
  ) {
    this.retentionDays = config.LOG_RETENTION_DAYS;
  }

  onApplicationBootstrap(): void {
    if (!this.retentionDays) return;
    // Not awaited: a start is not held up by a long-overdue pruning.
    void this.pruneAndLog();
    this.timer = setInterval(() => void this.pruneAndLog(), DAY_MS);
    this.timer.unref();
  }

  /** Lets a batch under way finish before the database closes. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.running;
  }

  /**
   * Deletes the events older than `LOG_RETENTION_DAYS` before `now`, after any pruning under
   * way; with no retention set, none.
   */
  prune(now = new Date()): Promise<Pruning> {
    const pruning = this.running.then(() => this.pruneBefore(now));
    this.running = pruning.catch(() => undefined);
    return pruning;
  }

  private async pruneAndLog(): Promise<void> {
    try {
      const { batches, prunedThrough } = await this.prune();
      const events = batches.reduce((sum, count) => sum + count, 0);
      if (events > 0) {
        this.logger.log(
          `Pruned ${events} events older than ${this.retentionDays} days, through id ${prunedThrough}`,
        );
      }
    } catch (error) {
      // The next day's pruning tries again; nothing waits on this one.
      this.logger.error(`Pruning the event log failed: ${(error as Error).message}`);
    }
  }

  private async pruneBefore(now: Date): Promise<Pruning> {
    const pruning: Pruning = { batches: [], prunedThrough: 0 };
    if (!this.retentionDays) return pruning;
    const cutoff = new Date(now.getTime() - this.retentionDays * DAY_MS);
    while (!this.stopping) {
      const batch = await this.transactions.run((manager) => this.pruneBatch(manager, cutoff));
      if (!batch) break;
      pruning.prunedThrough = batch.prunedThrough;
      if (batch.deleted === 0) break;
      pruning.batches.push(batch.deleted);
      if (batch.deleted < PRUNE_BATCH_SIZE) break;
      // Publishes queued meanwhile go before the next batch.
      await nextTurn();
    }
    return pruning;
  }

  /** One batch in its transaction; null when another process is pruning. */
  private async pruneBatch(
    manager: EntityManager,
    cutoff: Date,
  ): Promise<{ deleted: number; prunedThrough: number } | null> {
    const { driver } = manager.connection;
    if (driver.options.type === 'postgres') {
      const [{ locked }] = await manager.query<{ locked: boolean }[]>(
        'SELECT pg_try_advisory_xact_lock($1) AS "locked"',
        [PRUNE_LOCK],
      );
      if (!locked) return null;
    }
    const prunedThrough = Number((await readSetting(manager, PRUNED_THROUGH_SETTING)) ?? 0);
    // One more than a batch: the last row read is never deleted, so neither is the newest event.
    const oldest = await manager.find(LogEvent, {
      select: { id: true, createdAt: true },
      where: { id: MoreThan(prunedThrough) },
      order: { id: 'ASC' },
      take: PRUNE_BATCH_SIZE + 1,
    });
    let deleted = 0;
    while (deleted < oldest.length - 1 && oldest[deleted].createdAt < cutoff) deleted += 1;
    if (deleted === 0) return { deleted, prunedThrough };
    const through = oldest[deleted - 1].id;
    await manager.query(
      `DELETE FROM "events" WHERE "id" > ${driver.createParameter('after', 0)} AND "id" <= ${driver.createParameter('through', 1)}`,
      [prunedThrough, through],
    );
    await writeSetting(manager, PRUNED_THROUGH_SETTING, String(through));
    return { deleted, prunedThrough: through };
  }
}
