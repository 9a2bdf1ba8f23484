import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

/**
 * Runs database transactions; on SQLite one after another.
 *
 * better-sqlite3 gives TypeORM a single connection, so two transactions started concurrently
 * would interleave their statements on it (the second becoming a savepoint of the first).
 * Queuing them keeps each one atomic and isolated. A unit of work must not wait on anything
 * but the database (no hashing, no network), or it holds up every other write. PostgreSQL
 * gives each transaction a connection of the pool: they run side by side.
 */
@Injectable()
export class Transactions {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly serial: boolean;

  constructor(private readonly dataSource: DataSource) {
    this.serial = dataSource.options.type === 'better-sqlite3';
  }

  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (!this.serial) return this.dataSource.transaction(work);
    const result = this.tail.then(() => this.dataSource.transaction(work));
    this.tail = result.catch(() => undefined);
    return result;
  }
}
