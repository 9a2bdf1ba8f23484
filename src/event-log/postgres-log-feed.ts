import { Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Client } from 'pg';
import { DataSource, EntityManager, MoreThan } from 'typeorm';
import { rowInsert } from '../database/plain-rows';
import { MetricsService } from '../metrics/metrics.service';
import { EventBus } from './event-bus';
import { LogFeed, newestEventId } from './log-feed';
import { LogEvent } from './log-event.entity';

/** NOTIFY channel of the log: its payload is the new event's id, never the entry. */
const EVENTS_CHANNEL = 'liveblog_events';
/** The advisory lock key appends are serialized under ("LBEVENTS"). */
const APPEND_LOCK = 0x4c424556_454e5453n.toString();
/** A notification lost on the way is made up for by reading the log this often anyway. */
const SAFETY_READ_MS = 3000;
const RECONNECT_MS = 500;
const READ_PAGE_SIZE = 1000;

/**
 * The feed of one of several processes sharing PostgreSQL.
 *
 * Order: a sequence hands out ids at insert, not at commit, so event 1001 could commit and
 * reach readers before event 1000, and a reader resuming after 1001 would never get 1000.
 * Each append therefore takes one transaction-scoped advisory lock just before its insert
 * (in the same statement), held to commit: the next append gets its id only once this one
 * has committed (or rolled back), so ids commit in order and "newer than my cursor" misses nothing. The lock is held
 * for the insert and the commit only (about a millisecond and the commit's fsync), the
 * change's own work is done before it; a commit-order high-water mark (xmin tracking) would
 * allow parallel appends, at the price of holding back every read behind the oldest open
 * transaction of the whole database. One lock for the whole log, not per blog, so the
 * process-wide cursor below sees a gapless order.
 *
 * Wake-ups: every append sends a NOTIFY (at commit, by PostgreSQL) on one dedicated listening
 * connection per process, outside the pool. A wake-up reads the log after the newest event
 * published here, once for all of this process's readers, and publishes each new row on the
 * local bus. A dropped listener reconnects and reads what it missed; a read every few seconds
 * covers a notification lost anyway.
 */
export class PostgresLogFeed extends LogFeed implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(PostgresLogFeed.name);
  private newestPublished = 0;
  /**
   * The newest event this process appended: its commit publishes every event up to it, so a
   * notification of one of those, which may come in before the commit's own answer, needs no
   * read of its own.
   */
  private newestAppendedHere = 0;
  private listener?: Client;
  private reconnectTimer?: NodeJS.Timeout;
  private safetyTimer?: NodeJS.Timeout;
  private stopped = false;
  private reading?: Promise<void>;
  private nextRead?: Promise<void>;
  /** Failures are logged once each, not at every retry while PostgreSQL is down. */
  private readsFailing = false;
  private listenerLost = false;

  constructor(
    private readonly databaseUrl: string,
    private readonly dataSource: DataSource,
    private readonly eventBus: EventBus,
    private readonly metrics: MetricsService,
    private readonly safetyReadMs = SAFETY_READ_MS,
  ) {
    super();
  }

  async onModuleInit(): Promise<void> {
    this.newestPublished = await newestEventId(this.dataSource.manager);
    await this.listen();
    this.safetyTimer = setInterval(() => void this.catchUp(), this.safetyReadMs);
    this.safetyTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.safetyTimer);
    clearTimeout(this.reconnectTimer);
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
  }

  publishedThrough(): number {
    return this.newestPublished;
  }

  /**
   * Lock, insert and notify in one statement, one round trip: the lock's CTE holds a volatile
   * call, so PostgreSQL runs it, not inlines it, and the insert's id (its default, nextval) is
   * drawn only for the row that CTE yields, once the lock is held.
   */
  async append(manager: EntityManager, event: LogEvent): Promise<number> {
    const { table, columns, placeholders, values } = rowInsert(manager, LogEvent, event);
    const [{ id }] = await manager.query<{ id: number }[]>(
      `WITH "appending" AS (SELECT pg_advisory_xact_lock($${values.length + 1}))
       , "appended" AS (INSERT INTO ${table} (${columns}) SELECT ${placeholders} FROM "appending" RETURNING "id")
       SELECT "id", pg_notify('${EVENTS_CHANNEL}', "id"::text) FROM "appended"`,
      [...values, APPEND_LOCK],
    );
    this.newestAppendedHere = Math.max(this.newestAppendedHere, id);
    return id;
  }

  /**
   * Published at once, without waiting for the notification to come back from PostgreSQL, and
   * without a read when nothing can be missing: ids commit in order, so the event right after
   * the newest published has nothing before it left to publish. A read under way may be
   * publishing it this moment: it is let finish first.
   */
  async committed(event: LogEvent): Promise<void> {
    while (this.reading && event.id > this.newestPublished) await this.reading;
    if (event.id <= this.newestPublished) return;
    if (event.id === this.newestPublished + 1) {
      this.newestPublished = event.id;
      this.eventBus.publishCommitted(event);
      return;
    }
    await this.catchUp();
  }

  /**
   * One read at a time. A call during a read may have come after it started, so it gets one
   * more read once this one is done, shared with every other call made meanwhile.
   */
  catchUp(): Promise<void> {
    if (!this.reading) {
      this.reading = this.publishNewEvents().finally(() => (this.reading = undefined));
      return this.reading;
    }
    this.nextRead ??= this.reading.then(() => {
      this.nextRead = undefined;
      return this.catchUp();
    });
    return this.nextRead;
  }

  private async publishNewEvents(): Promise<void> {
    try {
      for (;;) {
        const events = await this.dataSource.getRepository(LogEvent).find({
          where: { id: MoreThan(this.newestPublished) },
          order: { id: 'ASC' },
          take: READ_PAGE_SIZE,
        });
        for (const event of events) {
          this.newestPublished = event.id;
          this.eventBus.publishCommitted(event);
        }
        if (events.length < READ_PAGE_SIZE) break;
      }
      if (this.readsFailing) this.logger.log('Reading the event log works again');
      this.readsFailing = false;
    } catch (error) {
      // The next notification or safety read tries again.
      if (!this.readsFailing) {
        this.logger.error(`Reading the event log failed: ${(error as Error).message}`);
      }
      this.readsFailing = true;
    }
  }

  /** A notification: `eventId` has committed. */
  protected heard(eventId: number): void {
    // Ids commit in order: the commit of this process's newest append (or the read after it
    // fails, see EventLog.commit) brings every event before it.
    if (eventId > Math.max(this.newestPublished, this.newestAppendedHere)) void this.catchUp();
  }

  /** Connects the listening connection; a failure to connect is the caller's to handle. */
  private async listen(): Promise<void> {
    const client = new Client({ connectionString: this.databaseUrl });
    const lost = (error: Error) => {
      if (this.listener !== client) return;
      this.listener = undefined;
      this.metrics.databaseErrors.inc({ kind: 'listener' });
      client.end().catch(() => undefined);
      this.logger.warn(`Event log listener lost (${error.message}); reconnecting`);
      this.listenerLost = true;
      this.reconnectLater();
    };
    client.on('error', lost);
    client.on('end', () => lost(new Error('connection ended')));
    client.on('notification', ({ payload }) => this.heard(Number(payload)));
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.listener = client;
    if (this.listenerLost) this.logger.log('Event log listener reconnected');
    this.listenerLost = false;
    // What committed while nobody here was listening.
    void this.catchUp();
  }

  private reconnectLater(): void {
    if (this.stopped || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.stopped) return;
      // Lost was said once; it is said again when it is back, not at every try between.
      this.listen().catch(() => {
        this.metrics.databaseErrors.inc({ kind: 'listener' });
        this.reconnectLater();
      });
    }, RECONNECT_MS);
  }
}
