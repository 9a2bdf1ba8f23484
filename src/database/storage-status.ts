import { Injectable, Logger } from '@nestjs/common';
import type { StorageFailure } from './database-errors';

/** A write the storage refused, kept until a write succeeds again. */
export interface FailedWrites {
  failure: StorageFailure;
  since: Date;
}

/**
 * Whether writes reach the storage. A SELECT still answers on a full disk or a read-only file
 * system, so /health cannot learn this from a ping: Transactions tells this of every write,
 * and the last failure stands until a write succeeds. Logged once per change, not per write:
 * a full disk under load would otherwise log every request and every background flush.
 */
@Injectable()
export class StorageStatus {
  private readonly logger = new Logger(StorageStatus.name);
  private failed: FailedWrites | null = null;

  /** The failure of the writes since the last that succeeded; null while writes work. */
  current(): FailedWrites | null {
    return this.failed;
  }

  writeFailed(failure: StorageFailure): void {
    if (this.failed?.failure === failure) return;
    this.failed = { failure, since: this.failed?.since ?? new Date() };
    this.logger.error(`Writes fail: ${failure}; answering 503 until a write succeeds again`);
  }

  writeSucceeded(): void {
    if (!this.failed) return;
    const seconds = Math.round((Date.now() - this.failed.since.getTime()) / 1000);
    this.failed = null;
    this.logger.log(`Writes work again, after ${seconds} s`);
  }
}
