import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnModuleDestroy,
  OnModuleInit,
} from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import type { Subscription } from 'rxjs';
import { AppConfig } from '../config/app-config';
import { EventBus } from '../event-log/event-bus';
import { EventLog } from '../event-log/event-log.service';
import type { LogEvent } from '../event-log/log-event.entity';
import { Coalescer } from '../counters/coalescer';
import { FanOut } from './fan-out';
import { LiveFrame, MAX_UNSENT_BYTES, ReaderConnection } from './reader-connection';
import { RecentEvents } from './recent-events';
import { asChunk, encodeFrame, encodeRetry } from './sse-frame';
import type { StreamCursor } from './stream-cursor';

/** Rows read from the log per query while replaying, so a far-behind reader never loads it all. */
const REPLAY_PAGE_SIZE = 500;
/** Ephemeral figures (readers now) go out at most this often per blog. */
const FIGURES_INTERVAL_MS = 1000;

export const STREAM_HEADERS = {
  'Content-Type': 'text/event-stream',
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
  'X-Content-Type-Options': 'nosniff',
  Connection: 'keep-alive',
} as const;

/** An event of the log as the chunk every reader's socket gets. */
export function chunkOf(event: Pick<LogEvent, 'id' | 'type' | 'payload'>): Buffer {
  return asChunk(encodeFrame({ id: event.id, type: event.type, data: event.payload }));
}

/**
 * The live streams of every blog: subscribe, then replay the log, then go live
 * (architecture.md, invariant 3), one shared frame per event for all readers of a blog.
 */
@Injectable()
export class StreamService implements OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger(StreamService.name);
  private readonly readersByBlog = new Map<number, Set<ReaderConnection>>();
  private readonly retryFrame: Buffer;
  /**
   * A reader gets a comment line once its last one is this old: with an event (no write of its
   * own) or at the next tick. 0.4 periods, a tenth short of a tick, so that a tick's late fan-out
   * does not make a reader wait for the tick after: at most 0.9 periods pass between two
   * comment lines, plus the time a tick takes to reach every reader.
   */
  private readonly commentAfterMs: number;
  private busSubscription?: Subscription;
  private heartbeat?: NodeJS.Timeout;
  private figures?: NodeJS.Timeout;
  /** Blogs whose number of open streams changed since the last `readers` events. */
  private readonly readerCounts = new Coalescer<number, number>();
  private stopping = false;
  /**
   * The newest event published on the bus (read from the log at start). A new stream is
   * subscribed before it reads this, so every later event reaches it live: no query needed.
   */
  private newestId = 0;
  private recentEvents = new RecentEvents(0);
  private readonly fanOut = new FanOut();

  constructor(
    private readonly config: AppConfig,
    private readonly eventBus: EventBus,
    private readonly eventLog: EventLog,
  ) {
    this.retryFrame = encodeRetry(config.SSE_RETRY_MS);
    this.commentAfterMs = config.SSE_HEARTBEAT_MS * 0.4;
  }

  async onModuleInit(): Promise<void> {
    this.newestId = await this.eventLog.newestId();
    this.recentEvents = new RecentEvents(this.newestId);
    this.busSubscription = this.eventBus.events$.subscribe((event) => this.broadcast(event));
    // One timer for every stream, not one per reader, ticking twice a period; streams with
    // events need few of its writes.
    this.heartbeat = setInterval(() => this.sendHeartbeat(), this.config.SSE_HEARTBEAT_MS / 2);
    this.heartbeat.unref();
    this.figures = setInterval(() => this.publishReaderCounts(), FIGURES_INTERVAL_MS);
    this.figures.unref();
  }

  onModuleDestroy(): void {
    this.busSubscription?.unsubscribe();
    clearInterval(this.heartbeat);
    clearInterval(this.figures);
  }

  /** Ends every open stream, so the server can close; browsers reconnect and resume. */
  beforeApplicationShutdown(): void {
    this.stopping = true;
    for (const readers of this.readersByBlog.values()) {
      for (const reader of readers) reader.close();
    }
    this.readersByBlog.clear();
  }

  /** How many streams are open, on one blog or on all. */
  openStreams(blogId?: number): number {
    if (blogId !== undefined) return this.readersByBlog.get(blogId)?.size ?? 0;
    let total = 0;
    for (const readers of this.readersByBlog.values()) total += readers.size;
    return total;
  }

  /**
   * Opens a reader's stream of one blog, written straight to its response: headers, replay
   * from the cursor, then live. It ends when the client goes (or the server stops), which
   * releases everything and calls `onClose`.
   */
  open(blogId: number, cursor: StreamCursor, response: ServerResponse, onClose: () => void): void {
    const reader = new ReaderConnection(response);
    // The connection's close, not only the response's: a response queued behind another on
    // the same connection (pipelining) is never told its client left.
    const socket = response.req.socket;
    let released = false;
    const closed = () => {
      if (released) return;
      released = true;
      socket.off('close', closed);
      response.off('close', closed);
      this.release(blogId, reader);
      onClose();
    };
    if (socket.destroyed) {
      closed();
      return;
    }
    socket.once('close', closed);
    response.once('close', closed);
    this.start(blogId, cursor, response, reader).catch((error: unknown) => {
      this.logger.error(error);
      // The same way out as a client leaving, so its per-address slot is freed too.
      closed();
    });
  }

  private async start(
    blogId: number,
    cursor: StreamCursor,
    response: ServerResponse,
    reader: ReaderConnection,
  ): Promise<void> {
    response.socket?.setNoDelay(true);
    if (this.stopping) {
      // A reconnect that reached a stopping server: ended at once, and its connection with it,
      // so the browser's next try goes to the server that comes up next.
      response.writeHead(200, { ...STREAM_HEADERS, Connection: 'close' });
      response.end(this.retryFrame);
      reader.close();
      return;
    }
    response.writeHead(200, STREAM_HEADERS);
    // The retry line goes out with the headers, so the client knows at once it is connected.
    response.write(this.retryFrame);
    // Express routes HEAD to this GET route: the headers are the whole answer.
    if (response.req.method === 'HEAD') {
      reader.close();
      return;
    }
    // Subscribe before reading the log, or events published meanwhile are lost.
    let readers = this.readersByBlog.get(blogId);
    if (!readers) this.readersByBlog.set(blogId, (readers = new Set()));
    readers.add(reader);
    this.readerCounts.note(blogId, readers.size);

    const newest = this.newestId;
    if (cursor.kind === 'invalid' || (cursor.kind === 'after' && cursor.eventId > newest)) {
      const reason =
        cursor.kind === 'invalid' ? cursor.reason : 'The cursor is newer than the newest event';
      const reset = encodeFrame({ id: newest, type: 'reset', data: JSON.stringify({ reason }) });
      reader.write(asChunk(reset));
    }
    reader.lastSentId =
      cursor.kind === 'after' && cursor.eventId <= newest ? cursor.eventId : newest;
    let replayNeeded = reader.lastSentId < newest;
    for (;;) {
      if (replayNeeded && !this.replayRecent(blogId, reader)) await this.replay(blogId, reader);
      if (!reader.isOpen) return;
      if (reader.goLive()) {
        // A new reader learns at once how many read along; the others within a second.
        reader.write(this.ephemeralChunk('readers', { readers: this.openStreams(blogId) }));
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
      const events = await this.eventLog.readAfter(blogId, reader.lastSentId, REPLAY_PAGE_SIZE);
      if (!reader.isOpen) return;
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
        reader.replay(event.id, chunkOf(event));
      }
      reader.uncork();
      // What was published while it waited is in the log: read on rather than send it held.
      if (events.length < REPLAY_PAGE_SIZE && !waited) return;
    }
  }

  private broadcast(event: LogEvent): void {
    const { id, blogId } = event;
    const frame = new LiveFrame(id, chunkOf(event), Date.now() - this.commentAfterMs);
    this.newestId = Math.max(this.newestId, id);
    this.recentEvents.add(blogId, id, frame.chunk);
    const readers = this.readersByBlog.get(blogId);
    if (readers) this.fanOut.push(readers, (reader) => reader.deliver(frame));
  }

  /**
   * Sends an ephemeral event (no id: the client's last event id stays on the last durable
   * event; never logged nor replayed) to every live reader of a blog, encoded once.
   */
  broadcastEphemeral(blogId: number, type: 'views' | 'readers', data: object): void {
    const readers = this.readersByBlog.get(blogId);
    if (!readers) return;
    const chunk = this.ephemeralChunk(type, data);
    this.fanOut.push(readers, (reader) => reader.deliverEphemeral(chunk));
  }

  private ephemeralChunk(type: 'views' | 'readers', data: object): Buffer {
    return asChunk(encodeFrame({ type, data: JSON.stringify(data) }));
  }

  private publishReaderCounts(): void {
    for (const [blogId, readers] of this.readerCounts.take()) {
      this.broadcastEphemeral(blogId, 'readers', { readers });
    }
  }

  private sendHeartbeat(): void {
    const commentIfBefore = Date.now() - this.commentAfterMs;
    for (const readers of this.readersByBlog.values()) {
      this.fanOut.push(readers, (reader) => reader.heartbeat(commentIfBefore));
    }
  }

  private release(blogId: number, reader: ReaderConnection): void {
    reader.close();
    const readers = this.readersByBlog.get(blogId);
    if (!readers?.delete(reader)) return;
    this.readerCounts.note(blogId, readers.size);
    if (readers.size === 0) this.readersByBlog.delete(blogId);
  }
}
