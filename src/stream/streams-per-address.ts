import {
  HttpException,
  HttpStatus,
  Injectable,
  Logger,
  OnModuleDestroy,
  OnModuleInit,
  Optional,
} from '@nestjs/common';
import { isIP } from 'node:net';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { RedisConnection } from '../redis/redis-connection';
import { SharedStreamCounts } from './shared-stream-counts';

/** Addresses a reverse proxy usually has: every reader behind it would share one of these. */
const PROXY_LIKE = /^(?:127\.|10\.|192\.168\.|172\.(?:1[6-9]|2\d|3[01])\.|::1$|::ffff:127\.|f[cd])/;

/** Open streams by address, in this process alone (one server). */
class LocalStreamCounts {
  private readonly open = new Map<string, number>();

  tryOpen(address: string, cap: number): boolean {
    const count = this.open.get(address) ?? 0;
    if (count >= cap) return false;
    this.open.set(address, count + 1);
    return true;
  }

  close(address: string): void {
    const left = this.open.get(address)! - 1;
    if (left === 0) this.open.delete(address);
    else this.open.set(address, left);
  }
}

/**
 * Caps the open streams of one client address (SSE_MAX_PER_ADDRESS), so no single host can
 * hold all of the server's connections: in this process, or in all of them with Redis. A
 * reader over the cap gets a 429 before any stream.
 */
@Injectable()
export class StreamsPerAddress implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(StreamsPerAddress.name);
  private readonly shared?: SharedStreamCounts;
  private readonly counts: LocalStreamCounts | SharedStreamCounts;
  private warnedAboutProxy = false;

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
    @Optional() redis?: RedisConnection,
  ) {
    this.shared = redis && new SharedStreamCounts(redis);
    this.counts = this.shared ?? new LocalStreamCounts();
  }

  onModuleInit(): void {
    this.shared?.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.shared?.stop();
  }

  /** Counts a stream for the address; the returned function uncounts it when it closes. */
  async admit(address: string): Promise<() => void> {
    if (!(await this.counts.tryOpen(address, this.config.SSE_MAX_PER_ADDRESS))) {
      this.warnOnceAboutProxy(address);
      this.metrics.rateLimitRefusals.inc({ limit: 'streams-per-address' });
      throw new HttpException(
        {
          statusCode: HttpStatus.TOO_MANY_REQUESTS,
          message: `Too many open streams from this address (${this.config.SSE_MAX_PER_ADDRESS})`,
          error: 'Too Many Requests',
        },
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      void this.counts.close(address);
    };
  }

  private warnOnceAboutProxy(address: string): void {
    if (this.warnedAboutProxy || this.config.TRUST_PROXY !== false) return;
    if (isIP(address) && PROXY_LIKE.test(address)) {
      this.warnedAboutProxy = true;
      this.logger.warn(
        `${address} reached SSE_MAX_PER_ADDRESS; if the server is behind a reverse proxy, set TRUST_PROXY so readers are told apart`,
      );
    }
  }
}
