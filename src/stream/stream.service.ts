import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnModuleDestroy,
  OnModuleInit,
  Optional,
} from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import type { Subscription } from 'rxjs';
import { AppConfig } from '../config/app-config';
import { DatabaseEpoch } from '../database/database-epoch';
import { EventBus } from '../event-log/event-bus';
import { EventLog } from '../event-log/event-log.service';
import { type BlogFigures, readersNow } from '../event-log/events';
import type { LogEvent } from '../event-log/log-event.entity';
import { MetricsService, type StreamBacklog } from '../metrics/metrics.service';
import { RedisConnection } from '../redis/redis-connection';
import { BlogReaders } from './blog-readers';
import { Heartbeats } from './heartbeats';
import { LiveFrame, ReaderConnection } from './reader-connection';
import { ReaderCounts, type ReaderTally } from './reader-counts';
import { RecentEvents } from './recent-events';
import { SharedReaderCounts } from './shared-reader-counts';
import { encodeRetry } from './sse-frame';
import { MAX_UNSENT_BYTES, SseResponse } from './sse-transport';
import type { StreamCursor } from './stream-cursor';
import { durableChunk, figuresChunk, resetChunk } from './stream-frames';

/** Rows read from the log per query while replaying, so a far-behind reader never loads it all. */
const REPLAY_PAGE_SIZE = 500;

/**
 * The live streams of every blog: the registry of open readers, and for each new one
 * subscribe, then replay the log, then go live, with one shared frame per event for all
 * readers of a blog.
 */
@Injectable()
export class StreamService implements OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger(StreamService.name);
  private readonly readers: BlogReaders;
  private readonly readerCounts: ReaderTally;
  private readonly heartbeats: Heartbeats;
  private readonly retryFrame: Buffer;
  private subscriptions: Subscription[] = [];
  private stopping = false;
  /**
   * The newest event published on the bus (or in the log at start). A new stream is
   * subscribed before it reads this, so every later event reaches it live: no query needed.
   */
  private newestId = 0;
  private recentEvents = new RecentEvents(0);

  constructor(
    config: AppConfig,
    private readonly eventBus: EventBus,
    private readonly eventLog: EventLog,
    private readonly epoch: DatabaseEpoch,
    private readonly metrics: MetricsService,
    @Optional() redis?: RedisConnection,
  ) {
    this.retryFrame = encodeRetry(config.SSE_RETRY_MS);
    this.heartbeats = new Heartbeats(config.SSE_HEARTBEAT_MS);
    // With Redis, readers-now counts the readers of every process.
    this.readerCounts = redis
      ? new SharedReaderCounts(eventBus, redis)
      : new ReaderCounts(eventBus);
    this.readers = new BlogReaders(this.readerCounts);
  }

  onModuleInit(): void {
    // Read and subscribed in one go: no event can reach the bus in between.
    this.newestId = this.eventLog.publishedThrough();
    this.recentEvents = new RecentEvents(this.newestId);
    this.subscriptions = [
      this.eventBus.committed$.subscribe((event) => this.broadcast(event)),
      this.eventBus.figures$.subscribe((figures) => this.broadcastFigures(figures)),
    ];
    this.heartbeats.start((commentIfBefore) =>
      this.readers.sendToAll((reader) => reader.heartbeat(commentIfBefore)),
    );
    this.readerCounts.start();
  }

  onModuleDestroy(): void {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    this.heartbeats.stop();
    this.readerCounts.stop();
  }

  /** Ends every open stream, so the server can close; browsers reconnect and resume. */
  beforeApplicationShutdown(): void {
    this.stopping = true;
    this.readers.closeAll();
  }

  /** How many streams are open on this process, on one blog or on all. */
  openStreams(blogId?: number): number {
    return this.readers.count(blogId);
  }

  /** How many streams are open on this process, on each blog that has any. */
  openStreamsByBlog(): Map<number, number> {
    return this.readers.countsByBlog();
  }

  /** What the open streams of this process hold unsent (for metrics: it visits every one). */
  backlog(): StreamBacklog {
    return this.readers.backlog();
  }

  /** How many read the blog now: with Redis, on every process (as heard within a second). */
  readersOf(blogId: number): number {
    return this.readerCounts.total(blogId, this.readers.count(blogId));
  }

  /**
   * Opens a reader's stream of one blog on its response: headers, replay from the cursor,
   * then live. It ends when the client goes (or the server stops), which releases everything
   * and calls `onClose`.
   */
  open(blogId: number, cursor: StreamCursor, output: SseResponse, onClose: () => void): void {
    if (this.stopping) {
      // Refused, never opened: the client retries, on another process or after the restart.
      output.refuse(this.retryFrame);
      onClose();
      return;
    }
    // Every stream counted here is counted once as closed, by release().
    this.metrics.streamsOpened.inc();
    const reader = new ReaderConnection(output);
    // One closure per reader, with its flag: there may be tens of thousands of these.
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      output.offClosed(release);
      // Unless the server ended it first (slow reader, shutdown), the client went.
      reader.close('client');
      this.metrics.streamsClosed.inc({ reason: reader.closedFor });
      this.readers.remove(blogId, reader);
      onClose();
    };
    // A client already gone: release() has run, and counted the stream as closed.
    if (!output.onClosed(release)) return;
    this.start(blogId, cursor, output, reader).catch((error: unknown) => {
      this.logger.error(error);
      reader.close('error');
      // The same way out as a client leaving, so its per-address slot is freed too.
      release();
    });
  }

  private async start(
    blogId: number,
    cursor: StreamCursor,
    output: SseResponse,
    reader: ReaderConnection,
  ): Promise<void> {
    if (!output.open(this.retryFrame)) {
      // A HEAD request: the headers were all it asked for.
      reader.close('client');
      return;
    }
    // Subscribe before reading the log, or events published meanwhile are lost.
    this.readers.add(blogId, reader);

    if (cursor.kind === 'after' && cursor.eventId > this.newestId) {
      // A cursor from another process, a moment ahead of this one's bus; reset only if the
      // log has no such event either.
      await this.eventLog.catchUp();
      if (!reader.isOpen) return;
    }
    const newest = this.newestId;
    if (cursor.kind === 'invalid' || (cursor.kind === 'after' && cursor.eventId > newest)) {
      const reason =
        cursor.kind === 'invalid' ? cursor.reason : 'The cursor is newer than the newest event';
      reader.write(resetChunk(newest, { reason, epoch: this.epoch.id }));
    }
    reader.lastSentId =
      cursor.kind === 'after' && cursor.eventId <= newest ? cursor.eventId : newest;
    let replayNeeded = reader.lastSentId < newest;
    for (;;) {
      if (replayNeeded && !this.replayRecent(blogId, reader)) await this.replay(blogId, reader);
      if (!reader.isOpen) return;
      if (reader.goLive()) {
        // A new reader learns at once how many read along; the others within a second.
        reader.write(figuresChunk(readersNow(blogId, this.readersOf(blogId))));
        return;
      }
      replayNeeded = true;
    }
  }

  /** Replays from the events held in memory, when they cover the reader; false otherwise. */
  private replayRecent(blogId: number, reader: ReaderConnection): boolean {
    const recent = this.recentEvents.joinedAfter(blogId, reader.lastSentId, MAX_UNSENT_BYTES / 2);
    if (!recent) return false;
    reader.replayChunks(recent.lastId, recent.chunks);
    return true;
  }

  private async replay(blogId: number, reader: ReaderConnection): Promise<void> {
    for (;;) {
      const afterId = reader.lastSentId;
      const events = await this.eventLog.readAfter(blogId, afterId, REPLAY_PAGE_SIZE);
      // Read after the page: a pruning that deleted events it would have held committed
      // before it, so this tells of it (on any process).
      const prunedThrough = await this.eventLog.prunedThrough();
      if (!reader.isOpen) return;
      if (afterId < prunedThrough) {
        this.resetPastPrunedCursor(reader);
        return;
      }
      // Written at the pace the reader reads: written at once, a replay of more than
      // MAX_UNSENT_BYTES would drop a reader that only resumes from far back.
      // Corked, a page leaves in a few large writes rather than one per event.
      let waited = false;
      reader.cork();
      for (const event of events) {
        if (reader.backedUp) {
          waited = true;
          reader.uncork();
          await reader.drained();
          if (!reader.isOpen) return;
          reader.cork();
        }
        reader.replay(event.id, durableChunk(event));
      }
      reader.uncork();
      // What was published while it waited is in the log: read on rather than send it held.
      if (events.length < REPLAY_PAGE_SIZE && !waited) return;
    }
  }

  /**
   * The log no longer holds every event after the reader's cursor: it reloads, then follows
   * live from the newest event on the bus (newer ones reach it live, as it is subscribed).
   */
  private resetPastPrunedCursor(reader: ReaderConnection): void {
    const reason = 'The cursor is older than what the log keeps';
    reader.write(resetChunk(this.newestId, { reason, epoch: this.epoch.id }));
    reader.lastSentId = this.newestId;
  }

  private broadcast(event: LogEvent): void {
    const { id, blogId } = event;
    const frame = new LiveFrame(id, durableChunk(event), this.heartbeats.dueBefore());
    this.newestId = Math.max(this.newestId, id);
    this.recentEvents.add(blogId, id, frame.chunk);
    const start = performance.now();
    this.readers.sendToBlog(
      blogId,
      (reader) => reader.deliver(frame),
      () => this.metrics.fanOutSeconds.observe((performance.now() - start) / 1000),
    );
  }

  /** A blog's figures to each of its live readers, encoded once; never logged nor replayed. */
  private broadcastFigures(figures: BlogFigures): void {
    if (this.readers.count(figures.blogId) === 0) return;
    const chunk = figuresChunk(figures);
    this.readers.sendToBlog(figures.blogId, (reader) => reader.deliverEphemeral(chunk));
  }
}
