import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { storageFailureOf } from './database-errors';
import { StorageStatus } from './storage-status';

/**
 * Runs database transactions; on SQLite one after another.
 *
 * better-sqlite3 gives TypeORM a single connection, so two transactions started concurrently
 * would interleave their statements on it (the second becoming a savepoint of the first).
 * Queuing them keeps each one atomic and isolated. A unit of work must not wait on anything
 * but the database (no hashing, no network), or it holds up every other write. PostgreSQL
 * gives each transaction a connection of the pool: they run side by side.
 *
 * Every outcome goes to StorageStatus: a write refused by the storage (a full disk, PostgreSQL
 * down) marks writes failed until one succeeds again.
 */
@Injectable()
export class Transactions {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly serial: boolean;

  constructor(
    private readonly dataSource: DataSource,
    private readonly storageStatus: StorageStatus = new StorageStatus(),
  ) {
    this.serial = dataSource.options.type === 'better-sqlite3';
  }

  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const result = this.serial
      ? this.tail.then(() => this.runOnSqlite(work))
      : this.dataSource.transaction(work);
    if (this.serial) this.tail = result.catch(() => undefined);
    return result.then(
      (value) => {
        this.storageStatus.writeSucceeded();
        return value;
      },
      (error: unknown) => {
        const failure = storageFailureOf(error);
        if (failure) this.storageStatus.writeFailed(failure);
        throw error;
      },
    );
  }

  private async runOnSqlite<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.dataSource.transaction(work);
    } catch (error) {
      this.forgetRolledBackTransaction();
      throw error;
    }
  }

  /**
   * SQLite rolls a transaction back by itself on some errors (SQLITE_FULL, SQLITE_IOERR, a
   * trigger's RAISE(ROLLBACK)); TypeORM's ROLLBACK then fails, and its one shared query runner
   * goes on believing a transaction is open. Every later transaction would become a savepoint
   * of none, and the first of them to fail would leave a real transaction open for good: every
   * write after it answered but never committed. When SQLite has no transaction, neither has
   * the runner.
   */
  private forgetRolledBackTransaction(): void {
    const sqlite = this.dataSource.driver as unknown as {
      databaseConnection: { inTransaction: boolean };
    };
    const runner = this.dataSource.driver.createQueryRunner('master') as unknown as {
      isTransactionActive: boolean;
      transactionDepth: number;
    };
    if (sqlite.databaseConnection.inTransaction || !runner.isTransactionActive) return;
    runner.isTransactionActive = false;
    runner.transactionDepth = 0;
  }
}
