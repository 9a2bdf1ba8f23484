import { Injectable } from '@nestjs/common';
import { writeSetting } from './settings';
import { StorageStatus } from './storage-status';
import { Transactions } from './transactions';

/**
 * While writes fail, one small write at most this often, so that they are known to work again
 * without waiting for an editor to try. Anyone may call /health: the bound keeps its callers
 * from writing at their pace, and /health and the background work share it.
 */
export const WRITE_PROBE_EVERY_MS = 5000;

/**
 * Finds out that writes work again after a failure (a full disk freed, PostgreSQL back): only a
 * write that succeeds clears StorageStatus, and a quiet process (no editor, nobody calling
 * /health) would otherwise never try one, leaving its background work (webhooks) stalled.
 */
@Injectable()
export class WriteProbe {
  private lastProbe = 0;
  private probing: Promise<void> = Promise.resolve();

  constructor(
    private readonly storageStatus: StorageStatus,
    private readonly transactions: Transactions,
  ) {}

  /**
   * Resolves when the probe under way (or one started now, if due) has ended; at once while
   * writes work. Through Transactions, so that its outcome is recorded as any write's.
   */
  probeWhileFailing(): Promise<void> {
    if (!this.storageStatus.current() || Date.now() - this.lastProbe < WRITE_PROBE_EVERY_MS) {
      return this.probing;
    }
    this.lastProbe = Date.now();
    this.probing = this.transactions
      .run((manager) => writeSetting(manager, 'write_probe', new Date().toISOString()))
      .then(
        () => undefined,
        () => undefined,
      );
    return this.probing;
  }

  /** Whether writes work, after a probe if one is due: for background work before it writes. */
  async writesWork(): Promise<boolean> {
    await this.probeWhileFailing();
    return !this.storageStatus.current();
  }
}
