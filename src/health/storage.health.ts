import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { STORAGE_FAILURE_REASONS } from '../database/database-errors';
import { writeSetting } from '../database/settings';
import { StorageStatus } from '../database/storage-status';
import { Transactions } from '../database/transactions';

/**
 * While writes fail, /health tries one small write at most this often, so that it reports
 * writes working again without waiting for an editor to try. Anyone may call /health: the
 * bound keeps its callers from writing at their pace.
 */
export const WRITE_PROBE_EVERY_MS = 5000;
/** /health waits this long for the probe; a slower one is still recorded when it ends. */
const PROBE_WAIT_MS = 1000;

/** The write side of the storage: up while writes work, down with why since the last failure. */
@Injectable()
export class StorageHealthIndicator {
  private lastProbe = 0;

  constructor(
    private readonly healthIndicators: HealthIndicatorService,
    private readonly storageStatus: StorageStatus,
    private readonly transactions: Transactions,
  ) {}

  async isWritable<Key extends string>(key: Key) {
    const check = this.healthIndicators.check(key);
    await this.probeWhileFailing();
    const failed = this.storageStatus.current();
    if (!failed) return check.up();
    return check.down({
      failure: failed.failure,
      since: failed.since.toISOString(),
      message: `Writes fail: ${STORAGE_FAILURE_REASONS[failed.failure]}`,
    });
  }

  /** Through Transactions, so that its outcome is recorded as any write's. */
  private async probeWhileFailing(): Promise<void> {
    if (!this.storageStatus.current() || Date.now() - this.lastProbe < WRITE_PROBE_EVERY_MS) {
      return;
    }
    this.lastProbe = Date.now();
    const probe = this.transactions
      .run((manager) => writeSetting(manager, 'write_probe', new Date().toISOString()))
      .catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, PROBE_WAIT_MS)));
    await Promise.race([probe, waited]);
    clearTimeout(timer);
  }
}
