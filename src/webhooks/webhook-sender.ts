import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Subscription } from 'rxjs';
import { EntityManager, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { AppConfig } from '../config/app-config';
import { storageFailureOf } from '../database/database-errors';
import { StorageStatus } from '../database/storage-status';
import { Transactions } from '../database/transactions';
import { WriteProbe } from '../database/write-probe';
import { EventBus } from '../event-log/event-bus';
import { EventLog, PRUNED_THROUGH_SETTING } from '../event-log/event-log.service';
import { LogEvent } from '../event-log/log-event.entity';
import { postWebhook, signatureHeader, USER_AGENT, webhookBody } from './webhook-request';
import { DELIVERIES_KEPT, DeliveryOutcome, WebhookDelivery } from './webhook-delivery.entity';
import { Webhook } from './webhook.entity';

/** Events read from the log at a time for one webhook. */
const PAGE_SIZE = 100;
/**
 * Every process looks for due webhooks this often besides its wake-ups: a retry whose timer
 * was on a process that died, a lease that ran out, a wake-up that came mid-read.
 */
const SWEEP_MS = 5000;
/**
 * A lease outlives the request it covers by this much (a slow database write after it). Short,
 * since it is how long the others wait to take over from a process that died: one that is
 * merely slow and loses its lease notices before its next request, and at worst an event is
 * sent twice, which receivers are told to expect.
 */
const LEASE_MARGIN_MS = 5000;
/**
 * A request goes out only while the lease outlasts its timeout by this much: the time between
 * the check and the request's start, so that the next holder's request cannot overlap it.
 */
const LEASE_SLACK_MS = 1000;
/**
 * The database's clock, on PostgreSQL: processes on several machines compare leases and
 * backoffs in SQL against it, never against their own clocks (a process whose clock is ahead
 * would take a lease still held). In UTC, as every timestamp is stored (data-source-options.ts).
 */
const DATABASE_NOW = "(now() AT TIME ZONE 'UTC')";
/** How far LOG_RETENTION_DAYS pruned the log: 0 before it ever did. */
const PRUNED_THROUGH = `COALESCE((SELECT CAST("value" AS INTEGER) FROM "settings" WHERE "name" = :prunedSetting), 0)`;

/**
 * Sends each webhook the log's events after its cursor, one at a time and in id order, in the
 * background: a publish never waits for it. It wakes on every committed event (every process
 * sees every event on its bus), on the timer of a retry, and on a sweep every few seconds.
 *
 * Once: on PostgreSQL, a process sends for a webhook only while it holds the webhook's lease
 * (a column with an owner and an expiry, taken by one conditional UPDATE: no transaction,
 * connection or advisory lock is held while a receiver takes its time, and a crashed holder's
 * lease runs out). SQLite has one process, which runs one send per webhook at a time.
 * Order: the holder posts one event, waits for its answer, and moves the cursor past it only
 * on a 2xx; on a failure it retries that same event with exponential backoff and jitter, and
 * after WEBHOOK_GIVE_UP_MS (a day) records it as given up and moves on.
 *
 * At least once: the cursor moves after the receiver's answer, so a crash in between sends
 * that event again after the restart. The epoch and the event id (`Liveblog-Epoch`,
 * `Liveblog-Event-Id`) are the receiver's idempotency key: a restored database hands out the
 * ids after its copy's last event again, under a new epoch.
 *
 * While writes fail (a full disk), nothing is sent: a request would go out but its outcome
 * could not be recorded, so the same event would go out again at every sweep. Each look tries
 * a write then (WriteProbe), so that sending resumes once writes work, in a quiet process too.
 */
@Injectable()
export class WebhookSender implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WebhookSender.name);
  /** This process, as the leases it holds name it. */
  private readonly owner = randomUUID();
  /** Webhooks this process is sending for now, each with its run. */
  private readonly runs = new Map<number, Promise<void>>();
  /** Webhooks woken while their run was under way: it runs once more after. */
  private readonly wokenAgain = new Set<number>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  /** Aborts the requests under way at shutdown; their events are sent again after a restart. */
  private readonly shutdown = new AbortController();
  private subscription?: Subscription;
  private sweepTimer?: NodeJS.Timeout;
  private looking?: Promise<void>;
  private lookAgain = false;
  /** Set by the sweep's timer: the next look also moves idle cursors on. */
  private sweepDue = true;
  /** The newest event idle cursors were moved on to. */
  private advancedThrough = 0;
  /** Why the last look failed (logged once, not at every sweep while it lasts); null if it did not. */
  private lookFailure: string | null = null;
  /**
   * Whether other processes may send too, so that leases are taken: on PostgreSQL. SQLite has
   * one process, whose `runs` already keep one run per webhook: taking and handing back a
   * lease would be two more writes per event queued with the publishes, for nothing.
   */
  private readonly leasesShared: boolean;

  constructor(
    @InjectRepository(Webhook) private readonly webhooks: Repository<Webhook>,
    @InjectRepository(LogEvent) private readonly events: Repository<LogEvent>,
    private readonly transactions: Transactions,
    private readonly eventLog: EventLog,
    private readonly eventBus: EventBus,
    private readonly config: AppConfig,
    private readonly storageStatus: StorageStatus,
    private readonly writeProbe: WriteProbe,
  ) {
    this.leasesShared = webhooks.manager.connection.options.type === 'postgres';
    // Every request under way listens for the shutdown: more than Node's default of ten at once
    // (one per webhook) is expected, not a leak.
    setMaxListeners(Infinity, this.shutdown.signal);
  }

  onApplicationBootstrap(): void {
    this.subscription = this.eventBus.committed$.subscribe(() => this.wake());
    this.sweepTimer = setInterval(() => {
      this.sweepDue = true;
      this.wake();
    }, SWEEP_MS);
    this.sweepTimer.unref();
    // What was left to send before a restart.
    this.wake();
  }

  /**
   * Stops waking, abandons the requests under way (not recorded: the cursor stays, and the
   * event is sent again later) and hands the leases back, before the database closes.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.shutdown.abort();
    this.subscription?.unsubscribe();
    clearInterval(this.sweepTimer);
    for (const timer of this.retryTimers) clearTimeout(timer);
    await this.looking;
    await Promise.allSettled([...this.runs.values()]);
  }

  private get stopped(): boolean {
    return this.shutdown.signal.aborted;
  }

  /**
   * Looks for due webhooks: one look at a time, and one more after it when woken meanwhile.
   * Also for a webhook just resumed, which no event may wake for a while.
   */
  wake(): void {
    if (this.stopped) return;
    if (this.looking) {
      this.lookAgain = true;
      return;
    }
    this.looking = this.startDueRuns()
      .then(
        (looked) => {
          if (looked) this.lookEnded(null);
        },
        (error: Error) => this.lookEnded(error),
      )
      .finally(() => {
        this.looking = undefined;
        if (!this.lookAgain) return;
        this.lookAgain = false;
        this.wake();
      });
  }

  /** Logs a look that failed once per reason, and once when looks work again. */
  private lookEnded(error: Error | null): void {
    const failure = error && (storageFailureOf(error) ?? error.message);
    if (failure === this.lookFailure) return;
    this.lookFailure = failure;
    if (error) this.logger.error(`Looking for due webhooks failed: ${error.message}`);
    else this.logger.log('Looking for due webhooks works again');
  }

  /**
   * One cheap query for every wake-up, whatever the number of webhooks that have nothing to do:
   * a blog's webhook is due only when its blog has an event for it, so the other blogs' events
   * make no work for it. False when it did not look, writes failing still.
   */
  private async startDueRuns(): Promise<boolean> {
    if (!(await this.writeProbe.writesWork())) return false;
    const through = this.eventLog.publishedThrough();
    if (this.sweepDue) {
      this.sweepDue = false;
      await this.advanceIdleCursors(through);
    }
    const now = this.leasesShared ? DATABASE_NOW : ':now';
    const due = this.webhooks
      .createQueryBuilder('webhook')
      .select('webhook.id')
      .where('webhook.active = :active', { active: true })
      .andWhere('webhook.lastEventId < :through', { through })
      .andWhere(
        // Or events were pruned after its cursor: its run records them as skipped and moves it
        // on now, not when its blog next publishes (the sweep leaves such a cursor alone).
        `(webhook.blogId IS NULL OR EXISTS (SELECT 1 FROM "events" "event" WHERE "event"."blogId" = webhook.blogId AND "event"."id" > webhook.lastEventId AND "event"."id" <= :through) OR webhook.lastEventId < ${PRUNED_THROUGH})`,
        { prunedSetting: PRUNED_THROUGH_SETTING },
      )
      .andWhere(`(webhook.nextAttemptAt IS NULL OR webhook.nextAttemptAt <= ${now})`, {
        now: new Date(),
      });
    if (this.leasesShared) {
      due.andWhere(
        `(webhook.leaseUntil IS NULL OR webhook.leaseUntil < ${now} OR webhook.leaseOwner = :owner)`,
        { owner: this.owner },
      );
    }
    for (const { id } of await due.getMany()) this.run(id);
    return true;
  }

  /**
   * Moves every blog's webhook past the other blogs' events, up to just before its own blog's
   * next one: one statement per sweep, not a write per event and webhook. Paused ones too: so a
   * cursor is never far behind, and events pruned past it (LOG_RETENTION_DAYS) were its own.
   * Not one with pruned events after it: which of them were its own is unknown, and its run
   * records them as skipped. Only the cursors that move: a rewrite of an unchanged row would
   * take its lock from a run's write at every sweep, in every process.
   */
  private async advanceIdleCursors(through: number): Promise<void> {
    if (through <= this.advancedThrough) return;
    const nextOfItsBlog = `SELECT MIN("event"."id") - 1 FROM "events" "event" WHERE "event"."blogId" = "webhooks"."blogId" AND "event"."id" > "webhooks"."lastEventId" AND "event"."id" <= :through`;
    const advanced = `COALESCE((${nextOfItsBlog}), :through)`;
    await this.transactions.run((manager) =>
      manager
        .createQueryBuilder()
        .update(Webhook)
        .set({ lastEventId: () => advanced })
        .where('"blogId" IS NOT NULL AND "lastEventId" < :through', { through })
        .andWhere(`"lastEventId" >= ${PRUNED_THROUGH}`, {
          prunedSetting: PRUNED_THROUGH_SETTING,
        })
        .andWhere(`${advanced} > "lastEventId"`)
        .execute(),
    );
    this.advancedThrough = through;
  }

  private run(webhookId: number): void {
    if (this.stopped || this.storageStatus.current()) return;
    if (this.runs.has(webhookId)) {
      this.wokenAgain.add(webhookId);
      return;
    }
    const run = this.sendDue(webhookId)
      .catch((error: Error) => {
        // A storage failure is logged once, not per run: by StorageStatus for a write, by the
        // next look for due webhooks for a read.
        if (!storageFailureOf(error)) {
          this.logger.error(`Sending to webhook ${webhookId} failed: ${error.message}`);
        }
      })
      .finally(() => {
        this.runs.delete(webhookId);
        if (this.wokenAgain.delete(webhookId)) this.run(webhookId);
      });
    this.runs.set(webhookId, run);
  }

  /** Sends what is due to one webhook, if its lease can be had, and hands the lease back. */
  private async sendDue(webhookId: number): Promise<void> {
    const webhook = await this.claim(webhookId);
    if (!webhook) return;
    try {
      while (!this.stopped) {
        const through = this.eventLog.publishedThrough();
        const events = await this.nextEvents(webhook, through);
        // After the page: pruning records how far it went with its deletes, so a gap before or
        // in the page shows here. The page is read again from past the pruned events.
        const skipped = await this.skipPruned(webhook);
        if (skipped === null) return;
        if (skipped) continue;
        if (events.length === 0) {
          // Nothing of its blog up to `through`: every event up to there is dealt with.
          if (through > webhook.lastEventId) await this.moveOn(webhook, through);
          return;
        }
        for (const event of events) {
          if (!(await this.deliver(webhook, event))) return;
        }
      }
    } finally {
      if (this.leasesShared)
        await this.updateOwned(webhook, { leaseOwner: null, leaseUntil: null });
    }
  }

  /**
   * Takes the webhook's lease when it is free (or this process's own), the webhook active and
   * not waiting for a retry; the webhook, or null when another process has it or it is not due.
   */
  private async claim(webhookId: number): Promise<Webhook | null> {
    if (!this.leasesShared) {
      const webhook = await this.webhooks.findOneBy({ id: webhookId, active: true });
      const due = webhook && (!webhook.nextAttemptAt || webhook.nextAttemptAt <= new Date());
      return due ? webhook : null;
    }
    return this.transactions.run(async (manager) => {
      const { affected } = await manager
        .createQueryBuilder()
        .update(Webhook)
        .set({ leaseOwner: this.owner, leaseUntil: this.leaseEnd() })
        .where('"id" = :id AND "active" = :active', { id: webhookId, active: true })
        .andWhere(`("nextAttemptAt" IS NULL OR "nextAttemptAt" <= ${DATABASE_NOW})`)
        .andWhere(
          `("leaseUntil" IS NULL OR "leaseUntil" < ${DATABASE_NOW} OR "leaseOwner" = :owner)`,
          { owner: this.owner },
        )
        .execute();
      return affected ? manager.findOneBy(Webhook, { id: webhookId }) : null;
    });
  }

  /** The lease's end, by the database's clock: one request and a margin from now. */
  private leaseEnd(): () => string {
    return this.databaseTimeIn(this.config.WEBHOOK_TIMEOUT_MS + LEASE_MARGIN_MS);
  }

  /** A time `ms` from now, to write: by the database's clock on PostgreSQL, else this process's. */
  private timeIn(ms: number): Date | (() => string) {
    return this.leasesShared ? this.databaseTimeIn(ms) : new Date(Date.now() + ms);
  }

  private databaseTimeIn(ms: number): () => string {
    return () => `${DATABASE_NOW} + interval '${Math.round(ms)} milliseconds'`;
  }

  /**
   * Events pruned from the log (LOG_RETENTION_DAYS) before it got them: recorded, passed. True
   * when some were, null when the webhook is gone or no longer this process's.
   */
  private async skipPruned(webhook: Webhook): Promise<boolean | null> {
    const prunedThrough = await this.eventLog.prunedThrough();
    if (prunedThrough <= webhook.lastEventId) return false;
    const moved = await this.moveOn(webhook, prunedThrough, {
      eventId: webhook.lastEventId + 1,
      eventType: null,
      outcome: 'skipped',
      attempt: 1,
      statusCode: null,
      error: `Events up to #${prunedThrough} were pruned from the log before they could be sent`,
      durationMs: 0,
    });
    return moved || null;
  }

  /**
   * Its next events after the cursor, up to `through`: every event up to there has committed
   * and is on this process's bus, so none can still turn up below it.
   */
  private nextEvents(webhook: Webhook, through: number): Promise<LogEvent[]> {
    const query = this.events
      .createQueryBuilder('event')
      .innerJoinAndSelect('event.blog', 'blog')
      .where('event.id > :after AND event.id <= :through', {
        after: webhook.lastEventId,
        through,
      })
      .orderBy('event.id', 'ASC')
      .limit(PAGE_SIZE);
    if (webhook.blogId !== null)
      query.andWhere('event.blogId = :blogId', { blogId: webhook.blogId });
    return query.getMany();
  }

  /**
   * One attempt at one event; true when the webhook may go on to the next (delivered, or given
   * up on), false when it waits for a retry, lost its lease, or the process is stopping.
   */
  private async deliver(webhook: Webhook, event: LogEvent): Promise<boolean> {
    if (!(await this.stillSending(webhook))) return false;
    const body = webhookBody(event, event.blog!);
    const started = Date.now();
    const headers = {
      'Content-Type': 'application/json',
      'User-Agent': USER_AGENT,
      'Liveblog-Epoch': event.epoch,
      'Liveblog-Event-Id': String(event.id),
      'Liveblog-Event-Type': event.type,
      'Liveblog-Webhook-Id': String(webhook.id),
      'Liveblog-Signature': signatureHeader(webhook.secret, body, Math.floor(started / 1000)),
    };
    const answer = await postWebhook(
      webhook.url,
      headers,
      body,
      this.config.WEBHOOK_TIMEOUT_MS,
      this.shutdown.signal,
    );
    if (this.stopped) return false;
    const attempt = {
      eventId: event.id,
      eventType: event.type,
      attempt: webhook.failedAttempts + 1,
      statusCode: answer.statusCode,
      durationMs: Date.now() - started,
    };
    const succeeded =
      answer.statusCode !== null && answer.statusCode >= 200 && answer.statusCode < 300;
    if (succeeded) {
      return this.moveOn(webhook, event.id, { ...attempt, outcome: 'delivered', error: null });
    }
    const error = answer.error ?? `The receiver answered ${answer.statusCode}`;
    const retryingSince = webhook.retryingSince ?? new Date(started);
    if (Date.now() - retryingSince.getTime() >= this.config.WEBHOOK_GIVE_UP_MS) {
      return this.moveOn(webhook, event.id, { ...attempt, outcome: 'gave-up', error });
    }
    await this.retryLater(webhook, retryingSince, { ...attempt, outcome: 'failed', error });
    return false;
  }

  /**
   * Whether to go on sending: the webhook is still there, active, and this process's for the
   * whole of the next request. A read, not a write: the lease was extended by the claim or by
   * the last event's record. Its URL and secret are taken as they are now: a change or a
   * rotation applies from the next request on, also in the middle of a backlog.
   */
  private async stillSending(webhook: Webhook): Promise<boolean> {
    const query = this.webhooks
      .createQueryBuilder('webhook')
      .select(['webhook.id', 'webhook.url', 'webhook.secret'])
      .where('webhook.id = :id AND webhook.active = :active', { id: webhook.id, active: true });
    if (this.leasesShared) {
      query
        .andWhere('webhook.leaseOwner = :owner', { owner: this.owner })
        .andWhere(
          `webhook.leaseUntil > ${this.databaseTimeIn(this.config.WEBHOOK_TIMEOUT_MS + LEASE_SLACK_MS)()}`,
        );
    }
    const row = await query.getOne();
    if (!row) return false;
    webhook.url = row.url;
    webhook.secret = row.secret;
    return true;
  }

  /**
   * The cursor past `eventId`, healthy again, the lease extended and the attempt recorded, in
   * one transaction. False, and nothing recorded, when the webhook is gone (removed meanwhile)
   * or no longer this process's.
   */
  private async moveOn(
    webhook: Webhook,
    eventId: number,
    attempt?: AttemptRecord,
  ): Promise<boolean> {
    const state = { lastEventId: eventId, failedAttempts: 0, retryingSince: null };
    const moved = await this.transactions.run(async (manager) => {
      const owned = await this.updateOwned(
        webhook,
        {
          ...state,
          nextAttemptAt: null,
          // Covers the next event's request: one write per event, not two.
          ...(this.leasesShared ? { leaseUntil: this.leaseEnd() } : {}),
        },
        manager,
      );
      if (owned && attempt) await this.record(manager, webhook, attempt);
      return owned;
    });
    Object.assign(webhook, state);
    return moved;
  }

  private async retryLater(
    webhook: Webhook,
    retryingSince: Date,
    attempt: AttemptRecord,
  ): Promise<void> {
    const delay = retryDelay(
      attempt.attempt,
      this.config.WEBHOOK_RETRY_MIN_MS,
      this.config.WEBHOOK_RETRY_MAX_MS,
    );
    const state = { failedAttempts: attempt.attempt, retryingSince };
    const owned = await this.transactions.run(async (manager) => {
      const updated = await this.updateOwned(
        webhook,
        { ...state, nextAttemptAt: this.timeIn(delay) },
        manager,
      );
      if (updated) await this.record(manager, webhook, attempt);
      return updated;
    });
    Object.assign(webhook, state);
    // Shutdown may have begun during the write: its timers are cleared already.
    if (!owned || this.stopped) return;
    // A little after the time set, so the webhook is due when the timer wakes this process.
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      this.wake();
    }, delay + 10);
    timer.unref();
    this.retryTimers.add(timer);
  }

  /**
   * Changes the webhook's row while this process holds its lease (else, changes nothing), in
   * the transaction given or in one of its own; false when there was no such row.
   */
  private async updateOwned(
    webhook: Webhook,
    state: QueryDeepPartialEntity<Webhook>,
    manager?: EntityManager,
  ): Promise<boolean> {
    if (!manager) {
      return this.transactions.run((own) => this.updateOwned(webhook, state, own));
    }
    const update = manager
      .createQueryBuilder()
      .update(Webhook)
      .set(state)
      .where('"id" = :id', { id: webhook.id });
    if (this.leasesShared) update.andWhere('"leaseOwner" = :owner', { owner: this.owner });
    const { affected } = await update.execute();
    return Boolean(affected);
  }

  /** Records an attempt, and forgets the oldest beyond the newest DELIVERIES_KEPT. */
  private async record(manager: EntityManager, webhook: Webhook, attempt: AttemptRecord) {
    await manager.insert(WebhookDelivery, {
      ...attempt,
      webhookId: webhook.id,
      createdAt: new Date(),
    });
    const [oldestKept] = await manager.find(WebhookDelivery, {
      select: { id: true },
      where: { webhookId: webhook.id },
      order: { id: 'DESC' },
      skip: DELIVERIES_KEPT - 1,
      take: 1,
    });
    if (!oldestKept) return;
    await manager
      .createQueryBuilder()
      .delete()
      .from(WebhookDelivery)
      .where('"webhookId" = :webhookId AND "id" < :id', {
        webhookId: webhook.id,
        id: oldestKept.id,
      })
      .execute();
  }
}

type AttemptRecord = Omit<WebhookDelivery, 'id' | 'webhookId' | 'webhook' | 'createdAt'> & {
  outcome: DeliveryOutcome;
};

/**
 * The wait before retry `attempt` (1 for the first retry): doubling from `minMs`, up to `maxMs`,
 * give or take a fifth at random (never over `maxMs`), so webhooks that failed together (their
 * receiver was down) do not all come back at the same moment.
 */
export function retryDelay(attempt: number, minMs: number, maxMs: number): number {
  const doubled = Math.min(maxMs, minMs * 2 ** Math.min(attempt - 1, 30));
  const jitter = 0.8 + Math.random() * 0.4;
  return Math.round(Math.min(maxMs, doubled * jitter));
}
