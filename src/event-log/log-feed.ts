import type { EntityManager } from 'typeorm';
import type { LogEvent } from './log-event.entity';

/**
 * Brings the log's committed events to this process's bus, each once and in id order, and
 * keeps ids in commit order. EventLog has it write each event; streams ask it how far
 * the bus has come. One process on SQLite publishes its own commits (LocalLogFeed); processes
 * sharing PostgreSQL each follow the log (PostgresLogFeed).
 */
export abstract class LogFeed {
  /** Every event up to this id is on the bus, or was in the log before this process started. */
  abstract publishedThrough(): number;

  /**
   * Inserts the event's row in the append's transaction; resolves to its id. The feed may
   * count on `committed()` for this event, or `catchUp()` when the transaction fails.
   */
  abstract append(manager: EntityManager, event: LogEvent): Promise<number>;

  /**
   * An append of this process has committed; resolves once it is on this process's bus, so
   * that the writer's own streams have it before the writer has its answer.
   */
  abstract committed(event: LogEvent): Promise<void>;

  /** Resolves once every event committed before the call is on the bus. */
  abstract catchUp(): Promise<void>;
}

/** The newest id of the whole log, 0 when it is empty. */
export async function newestEventId(manager: EntityManager): Promise<number> {
  const [row] = await manager.query<{ newest: number | string | null }[]>(
    'SELECT MAX("id") AS "newest" FROM "events"',
  );
  return Number(row?.newest ?? 0);
}
