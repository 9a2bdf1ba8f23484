import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { STORAGE_FAILURE_REASONS } from '../database/database-errors';
import { StorageStatus } from '../database/storage-status';
import { WriteProbe } from '../database/write-probe';

/** /health waits this long for the probe; a slower one is still recorded when it ends. */
const PROBE_WAIT_MS = 1000;

/** The write side of the storage: up while writes work, down with why since the last failure. */
@Injectable()
export class StorageHealthIndicator {
  constructor(
    private readonly healthIndicators: HealthIndicatorService,
    private readonly storageStatus: StorageStatus,
    private readonly writeProbe: WriteProbe,
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

  private async probeWhileFailing(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, PROBE_WAIT_MS)));
    await Promise.race([this.writeProbe.probeWhileFailing(), waited]);
    clearTimeout(timer);
  }
}
