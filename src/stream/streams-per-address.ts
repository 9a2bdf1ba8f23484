import { HttpException, HttpStatus, Injectable, Logger } from '@nestjs/common';
import { isIP } from 'node:net';
import { AppConfig } from '../config/app-config';

/** Addresses a reverse proxy usually has: every reader behind it would share one of these. */
const PROXY_LIKE = /^(?:127\.|10\.|192\.168\.|172\.(?:1[6-9]|2\d|3[01])\.|::1$|::ffff:127\.|f[cd])/;

/**
 * Caps the open streams of one client address (SSE_MAX_PER_ADDRESS), so no single host can
 * hold all of the server's connections. A reader over the cap gets a 429 before any stream.
 */
@Injectable()
export class StreamsPerAddress {
  private readonly logger = new Logger(StreamsPerAddress.name);
  private readonly open = new Map<string, number>();
  private warnedAboutProxy = false;

  constructor(private readonly config: AppConfig) {}

  /** Counts a stream for the address; the returned function uncounts it when it closes. */
  admit(address: string): () => void {
    const count = this.open.get(address) ?? 0;
    if (count >= this.config.SSE_MAX_PER_ADDRESS) {
      this.warnOnceAboutProxy(address);
      throw new HttpException(
        {
          statusCode: HttpStatus.TOO_MANY_REQUESTS,
          message: `Too many open streams from this address (${this.config.SSE_MAX_PER_ADDRESS})`,
          error: 'Too Many Requests',
        },
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    this.open.set(address, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = this.open.get(address)! - 1;
      if (left === 0) this.open.delete(address);
      else this.open.set(address, left);
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
