import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { busiest } from './busiest';

/** How many blogs `liveblog_streams_open_by_blog` names: the label's cardinality is bounded. */
export const BUSIEST_BLOGS = 10;

/** Why a stream ended (`liveblog_streams_closed_total{reason}`). */
export type StreamCloseReason = 'client' | 'slow' | 'shutdown' | 'error';

/** The unsent bytes of the open streams, at a scrape. */
export interface StreamBacklog {
  /** Streams holding more unsent bytes than their socket's high-water mark. */
  slowReaders: number;
  unsentBytes: number;
  /** The most any one stream holds: at MAX_UNSENT_BYTES (1 MiB) it is dropped. */
  mostUnsentBytes: number;
}

/** What the stream module tells a scrape about the open streams of this process. */
export interface OpenStreams {
  /** Open streams of each blog that has any, by blog id. */
  byBlog(): ReadonlyMap<number, number>;
  /** A blog's name as the busiest blogs' label gives it (its slug). */
  labelOf(blogId: number): string;
  backlog(): StreamBacklog;
}

/**
 * Node's metrics whose scrape visits every connection, blocking the event loop (a readdir of
 * /proc/self/fd, an array of every handle): 8 ms at 4,000 sockets, every scrape. The streams'
 * own gauges say how many connections are open, for one pass over the readers.
 */
const PER_CONNECTION_DEFAULTS = [
  'process_open_fds',
  'nodejs_active_handles',
  'nodejs_active_handles_total',
  'nodejs_active_resources',
  'nodejs_active_resources_total',
  'nodejs_active_requests',
  'nodejs_active_requests_total',
];

/**
 * Fan-out of one event to every reader of its blog: a fraction of a millisecond for a few
 * readers, ~100 ms at 15,000, seconds when the process is out of CPU.
 */
const FAN_OUT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
/** An entry write: a transaction and its fsync, the rendering of Markdown, a slice of fan-out. */
const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * This process's metrics, in a registry of its own (never prom-client's global one: two apps
 * in one process, as in the tests, must not share nor register twice). Counters and
 * histograms are updated where things happen; what the open streams look like is read at each
 * scrape from the stream module, so opening and closing a stream updates no gauge. Docs:
 * docs/metrics.md, which names every metric below.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private openStreams?: OpenStreams;

  private readonly streamsOpen = this.gauge('liveblog_streams_open', 'Open streams', []);
  private readonly streamsOpenByBlog = this.gauge(
    'liveblog_streams_open_by_blog',
    `Open streams of the ${BUSIEST_BLOGS} blogs with the most`,
    ['blog'],
  );
  private readonly slowReaders = this.gauge(
    'liveblog_stream_slow_readers',
    "Open streams holding more unsent bytes than their socket's high-water mark",
    [],
  );
  private readonly unsentBytes = this.gauge(
    'liveblog_stream_unsent_bytes',
    'Bytes written to open streams and not yet sent to their readers',
    [],
  );
  private readonly mostUnsentBytes = this.gauge(
    'liveblog_stream_unsent_bytes_max',
    'The most unsent bytes of any one open stream (dropped past 1 MiB)',
    [],
  );

  readonly streamsOpened = new Counter({
    name: 'liveblog_streams_opened_total',
    help: 'Streams opened',
    registers: [this.registry],
  });
  readonly streamsClosed = new Counter<'reason'>({
    name: 'liveblog_streams_closed_total',
    help: 'Streams closed, by reason: client, slow (reader dropped), shutdown, error',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly eventsPublished = new Counter<'type'>({
    name: 'liveblog_events_published_total',
    help: 'Durable events committed by this process, by type',
    labelNames: ['type'],
    registers: [this.registry],
  });
  readonly fanOutSeconds = new Histogram({
    name: 'liveblog_fanout_seconds',
    help: "From an event reaching this process's bus to its write to the last reader of its blog",
    buckets: FAN_OUT_BUCKETS,
    registers: [this.registry],
  });
  readonly publishRequestSeconds = new Histogram<'method' | 'route' | 'status'>({
    name: 'liveblog_publish_request_seconds',
    help: 'Entry writes (POST, PATCH, DELETE of /api/blogs/:slug/posts), from request to response',
    labelNames: ['method', 'route', 'status'],
    buckets: REQUEST_BUCKETS,
    registers: [this.registry],
  });
  readonly viewReports = new Counter({
    name: 'liveblog_view_reports_total',
    help: 'View reports received (beacons and permalink pages)',
    registers: [this.registry],
  });
  readonly viewsCounted = new Counter({
    name: 'liveblog_views_counted_total',
    help: 'Views counted: first views of an entry by a reader',
    registers: [this.registry],
  });
  readonly rateLimitRefusals = new Counter<'limit'>({
    name: 'liveblog_rate_limit_refusals_total',
    help: 'Requests refused with 429, by limit',
    labelNames: ['limit'],
    registers: [this.registry],
  });
  readonly databaseErrors = new Counter<'kind'>({
    name: 'liveblog_database_errors_total',
    help: 'Failed database queries by kind, and losses of the PostgreSQL event listener',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  readonly redisErrors = new Counter<'connection'>({
    name: 'liveblog_redis_errors_total',
    help: 'Errors of the Redis connections, by connection (commands, pubsub)',
    labelNames: ['connection'],
    registers: [this.registry],
  });

  /**
   * `processMetrics`: Node's own (CPU, memory, event loop, GC, file descriptor limit), under
   * their conventional `process_` and `nodejs_` names. Off, they cost nothing (no event loop
   * monitor).
   */
  constructor({ processMetrics = false }: { processMetrics?: boolean } = {}) {
    if (!processMetrics) return;
    collectDefaultMetrics({ register: this.registry });
    for (const name of PER_CONNECTION_DEFAULTS) this.registry.removeSingleMetric(name);
  }

  /** Where a scrape learns about the open streams; the stream module calls this once. */
  reportOpenStreams(openStreams: OpenStreams): void {
    this.openStreams = openStreams;
  }

  /** Every metric in Prometheus' text format. */
  async scrape(): Promise<string> {
    this.readOpenStreams();
    return this.registry.metrics();
  }

  private readOpenStreams(): void {
    if (!this.openStreams) return;
    const byBlog = this.openStreams.byBlog();
    let total = 0;
    for (const streams of byBlog.values()) total += streams;
    this.streamsOpen.set(total);
    // Blogs that left the busiest since the last scrape must not linger with their old value.
    this.streamsOpenByBlog.reset();
    for (const [blogId, streams] of busiest(byBlog, BUSIEST_BLOGS)) {
      this.streamsOpenByBlog.set({ blog: this.openStreams.labelOf(blogId) }, streams);
    }
    const backlog = this.openStreams.backlog();
    this.slowReaders.set(backlog.slowReaders);
    this.unsentBytes.set(backlog.unsentBytes);
    this.mostUnsentBytes.set(backlog.mostUnsentBytes);
  }

  private gauge<L extends string>(name: string, help: string, labelNames: L[]): Gauge<L> {
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }
}
