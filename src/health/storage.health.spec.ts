import { HealthIndicatorService } from '@nestjs/terminus';
import { openTestDatabase, type TestDatabase } from '../../test/support/test-database';
import { readSetting } from '../database/settings';
import { StorageStatus } from '../database/storage-status';
import { Transactions } from '../database/transactions';
import { WriteProbe } from '../database/write-probe';
import { StorageHealthIndicator } from './storage.health';

describe(StorageHealthIndicator.name, () => {
  let database: TestDatabase;
  let storageStatus: StorageStatus;
  let transactions: Transactions;
  let writeProbe: WriteProbe;
  let indicator: StorageHealthIndicator;

  beforeEach(async () => {
    database = await openTestDatabase();
    storageStatus = new StorageStatus();
    transactions = new Transactions(database.dataSource, storageStatus);
    writeProbe = new WriteProbe(storageStatus, transactions);
    indicator = new StorageHealthIndicator(new HealthIndicatorService(), storageStatus, writeProbe);
  });

  afterEach(() => database.remove());

  describe('isWritable', () => {
    it('should be up, without writing, while writes work', async () => {
      const run = jest.spyOn(transactions, 'run');
      await expect(indicator.isWritable('storage')).resolves.toEqual({
        storage: { status: 'up' },
      });
      expect(run).not.toHaveBeenCalled();
    });

    it('should notice by a write of its own that writes work again', async () => {
      storageStatus.writeFailed('disk-full');

      await expect(indicator.isWritable('storage')).resolves.toEqual({
        storage: { status: 'up' },
      });
      expect(storageStatus.current()).toBeNull();
      await expect(readSetting(database.dataSource.manager, 'write_probe')).resolves.toEqual(
        expect.any(String),
      );
    });

    it('should say why writes fail, and probe at most once in a while however often it is asked', async () => {
      const diskFull = Object.assign(new Error('database or disk is full'), {
        code: 'SQLITE_FULL',
      });
      const run = jest.spyOn(transactions, 'run').mockRejectedValue(diskFull);
      storageStatus.writeFailed('disk-full');

      const answers = [];
      for (let asked = 0; asked < 5; asked++) answers.push(await indicator.isWritable('storage'));

      expect(run).toHaveBeenCalledTimes(1);
      expect(answers.at(-1)).toEqual({
        storage: {
          status: 'down',
          failure: 'disk-full',
          since: storageStatus.current()!.since.toISOString(),
          message: 'Writes fail: its disk is full',
        },
      });
    });

    it('should share the bound with the background work that probes too', async () => {
      const diskFull = Object.assign(new Error('database or disk is full'), {
        code: 'SQLITE_FULL',
      });
      const run = jest.spyOn(transactions, 'run').mockRejectedValue(diskFull);
      storageStatus.writeFailed('disk-full');

      await expect(writeProbe.writesWork()).resolves.toBe(false);
      await expect(indicator.isWritable('storage')).resolves.toMatchObject({
        storage: { status: 'down' },
      });

      expect(run).toHaveBeenCalledTimes(1);
    });
  });
});
