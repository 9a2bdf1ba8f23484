import { firstValueFrom, filter } from 'rxjs';
import { DataSource, EntityManager } from 'typeorm';
import { createTestPostgres, type TestPostgres } from '../../test/support/test-services';
import { waitUntil } from '../../test/support/sse-client';
import { saveEditorAndBlog, saveEntry } from '../../test/support/test-database';
import { User } from '../auth/user.entity';
import { Blog } from '../blogs/blog.entity';
import { dataSourceOptions } from '../database/data-source-options';
import { runPendingMigrations } from '../database/migrations';
import { DatabaseEpoch } from '../database/database-epoch';
import { Transactions } from '../database/transactions';
import { MetricsService } from '../metrics/metrics.service';
import { EventBus } from './event-bus';
import { EventLog } from './event-log.service';
import { entryDeleted } from './events';
import { LogEvent } from './log-event.entity';
import { PostgresLogFeed } from './postgres-log-feed';

/** Long enough that no test here is rescued by the periodic read. */
const NO_SAFETY_READ_MS = 10 * 60_000;

/** One server process's view of the log: its pool, its feed, its bus and what reached it. */
interface Process {
  dataSource: DataSource;
  eventLog: EventLog;
  feed: PostgresLogFeed;
  bus: EventBus;
  /** Ids of the events the bus carried, in order. */
  delivered: number[];
}

let database: TestPostgres;
const processes: Process[] = [];
let world: { author: User; blog: Blog };

beforeEach(async () => {
  database = await createTestPostgres();
  const first = await startProcess();
  world = await saveEditorAndBlog(first.dataSource);
});

afterEach(async () => {
  for (const process of processes.splice(0)) {
    await process.feed.onApplicationShutdown();
    await process.dataSource.destroy();
  }
  await database.drop();
});

async function startProcess(
  makeFeed = (dataSource: DataSource, bus: EventBus) =>
    new PostgresLogFeed(database.url, dataSource, bus, new MetricsService(), NO_SAFETY_READ_MS),
): Promise<Process> {
  const dataSource = await new DataSource(
    dataSourceOptions({ DATABASE_PATH: 'unused', DATABASE_URL: database.url }),
  ).initialize();
  await runPendingMigrations(dataSource);
  const bus = new EventBus();
  const delivered: number[] = [];
  bus.committed$.subscribe((event) => delivered.push(event.id));
  const feed = makeFeed(dataSource, bus);
  await feed.onModuleInit();
  const eventLog = new EventLog(
    dataSource.getRepository(LogEvent),
    new Transactions(dataSource),
    feed,
    await DatabaseEpoch.of(dataSource.manager),
  );
  const process = { dataSource, eventLog, feed, bus, delivered };
  processes.push(process);
  return process;
}

function publish({ eventLog }: Process, body: string): Promise<{ eventId: number }> {
  return eventLog.commit(async (manager) => {
    const post = await saveEntry(manager, world, body);
    return { change: post, event: entryDeleted(world.blog.id, post.id) };
  });
}

/** Resolves once the process's bus has carried the event. */
function deliveryOf({ bus, delivered }: Process, eventId: number): Promise<unknown> {
  if (delivered.includes(eventId)) return Promise.resolve();
  return firstValueFrom(bus.committed$.pipe(filter((event) => event.id === eventId)));
}

/** Resolves once a session of the test database waits for an advisory lock, or `gaveUp()`. */
async function someoneWaitsForTheAppendLock(gaveUp: () => boolean): Promise<void> {
  await database.connected(async (client) => {
    while (!gaveUp()) {
      const { rowCount } = await client.query(
        `SELECT 1 FROM pg_locks l JOIN pg_database d ON d.oid = l.database
         WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = $1`,
        [database.name],
      );
      if (rowCount) return;
      await client.query('SELECT pg_sleep(0.01)');
    }
  });
}

/**
 * A feed whose first append stays uncommitted, its event inserted, until `commitHeld`: the
 * moment a sequence-numbered log goes wrong if nothing orders appends.
 */
class FeedHoldingFirstAppend extends PostgresLogFeed {
  inserted!: Promise<number>;
  private markInserted!: (id: number) => void;
  private release!: () => void;
  private held = false;

  constructor(...args: ConstructorParameters<typeof PostgresLogFeed>) {
    super(...args);
    this.inserted = new Promise((resolve) => (this.markInserted = resolve));
  }

  commitHeld(): void {
    this.release();
  }

  override async append(manager: EntityManager, event: LogEvent): Promise<number> {
    const id = await super.append(manager, event);
    if (this.held) return id;
    this.held = true;
    const released = new Promise<void>((resolve) => (this.release = resolve));
    this.markInserted(id);
    await released;
    return id;
  }
}

/** A feed that keeps the notifications it hears until its next append has its id. */
class FeedHearingLate extends PostgresLogFeed {
  private readonly held: number[] = [];
  private holding = true;
  private markHeard?: () => void;

  /** Resolves once a notification is held. */
  heardOne(): Promise<void> {
    if (this.held.length > 0) return Promise.resolve();
    return new Promise((resolve) => (this.markHeard = resolve));
  }

  protected override heard(eventId: number): void {
    if (!this.holding) return super.heard(eventId);
    this.held.push(eventId);
    this.markHeard?.();
  }

  override async append(manager: EntityManager, event: LogEvent): Promise<number> {
    const id = await super.append(manager, event);
    this.holding = false;
    for (const eventId of this.held.splice(0)) super.heard(eventId);
    return id;
  }
}

/** Makes the commit of an event of an entry with this body fail, as a deferred check would. */
async function refuseAtCommit(body: string): Promise<void> {
  await database.connected(async (client) => {
    await client.query(`CREATE FUNCTION refuse_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM "posts" WHERE "id" = NEW."postId" AND "body" = ${client.escapeLiteral(body)}) THEN
          RAISE EXCEPTION 'refused at commit';
        END IF;
        RETURN NULL;
      END $$`);
    await client.query(`CREATE CONSTRAINT TRIGGER refuse_at_commit AFTER INSERT ON "events"
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_at_commit()`);
  });
}

describe('PostgresLogFeed', () => {
  it('should give the append that commits later the larger id, even when it started first', async () => {
    const slow = await startProcess(
      (dataSource, bus) =>
        new FeedHoldingFirstAppend(
          database.url,
          dataSource,
          bus,
          new MetricsService(),
          NO_SAFETY_READ_MS,
        ),
    );
    const fast = await startProcess();
    const slowFeed = slow.feed as FeedHoldingFirstAppend;

    // The slow append starts first and has its event inserted; the fast one starts second
    // and would commit first.
    const slowCommit = publish(slow, 'Started first, committed last');
    const slowId = await slowFeed.inserted;
    const fastCommit = publish(fast, 'Started second, committed first');
    let fastCommitted = false;
    void fastCommit.finally(() => (fastCommitted = true));
    // Held at the lock; without it, the fast append would commit right away.
    await someoneWaitsForTheAppendLock(() => fastCommitted);
    slowFeed.commitHeld();
    const [{ eventId: first }, { eventId: second }] = await Promise.all([slowCommit, fastCommit]);

    expect(first).toBe(slowId);
    expect(second).toBeGreaterThan(first);
    // Every process, the publishing ones and a reader's, sees both, in order, once.
    const reader = processes[0];
    await Promise.all(processes.map((process) => deliveryOf(process, second)));
    for (const process of [reader, slow, fast]) expect(process.delivered).toEqual([first, second]);
  });

  it('should, without the lock, be open to exactly the loss it prevents', async () => {
    // The control: two appends by plain sequence numbers, the first held open.
    const held = slowTransactionWithEvent();
    const firstId = await held.inserted;
    const secondId = await insertEventAndCommit();
    const seenByAReader = await idsAfter(0);
    await held.commit();

    expect(secondId).toBeGreaterThan(firstId);
    // A reader that read now and later resumes after the newest it saw never gets firstId.
    expect(seenByAReader).toEqual([secondId]);
    expect(await idsAfter(Math.max(...seenByAReader))).toEqual([]);
  });

  it('should bring every process every event once and in order, whoever publishes', async () => {
    const others = [await startProcess(), await startProcess()];
    const all = [processes[0], ...others];
    const ids: number[] = [];

    for (let i = 0; i < 12; i++) ids.push((await publish(all[i % 3], `Entry ${i}`)).eventId);
    await Promise.all(all.map((process) => deliveryOf(process, ids.at(-1)!)));

    for (const process of all) expect(process.delivered).toEqual(ids);
  });

  it('should still bring an event of another process when an append it looked covered by fails', async () => {
    await refuseAtCommit('Never committed');
    const late = await startProcess(
      (dataSource, bus) =>
        new FeedHearingLate(database.url, dataSource, bus, new MetricsService(), NO_SAFETY_READ_MS),
    );
    const { eventId } = await publish(processes[0], 'From another process');
    await (late.feed as FeedHearingLate).heardOne();

    // Its notification is heard once this append has a larger id, and then looks covered.
    await expect(publish(late, 'Never committed')).rejects.toThrow('refused at commit');

    await deliveryOf(late, eventId);
    expect(late.delivered).toEqual([eventId]);
  });

  it('should reconnect a listener PostgreSQL killed, and miss nothing committed meanwhile', async () => {
    const follower = processes[0];
    const publisher = await startProcess();
    const before = (await publish(publisher, 'Before')).eventId;
    await deliveryOf(follower, before);

    const killed = await terminateListeners();
    const meanwhile = [
      (await publish(publisher, 'While the listener was gone')).eventId,
      (await publish(publisher, 'Still gone')).eventId,
    ];
    await Promise.all(meanwhile.map((id) => deliveryOf(follower, id)));
    const after = (await publish(publisher, 'After the reconnect')).eventId;
    await deliveryOf(follower, after);

    expect(killed).toBe(2);
    expect(follower.delivered).toEqual([before, ...meanwhile, after]);
    // Each process listens again, in its own time (the follower may have caught up first).
    await waitUntil(
      async () => (await listenerCount()) === 2,
      () => 'both processes to listen again',
    );
  });
});

/** Ends every listening connection to the test database, as an administrator would. */
async function terminateListeners(): Promise<number> {
  const { rows } = await database.connected((client) =>
    client.query<{ ended: boolean }>(
      `SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity
       WHERE datname = $1 AND query LIKE 'LISTEN %' AND pid <> pg_backend_pid()`,
      [database.name],
    ),
  );
  return rows.filter((row) => row.ended).length;
}

async function listenerCount(): Promise<number> {
  const rows = await processes[0].dataSource.query<unknown[]>(
    `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN %'`,
    [database.name],
  );
  return rows.length;
}

/** An event row inserted by a bare sequence, its transaction left open until commit(). */
function slowTransactionWithEvent(): { inserted: Promise<number>; commit(): Promise<void> } {
  const runner = processes[0].dataSource.createQueryRunner();
  const inserted = (async () => {
    await runner.connect();
    await runner.startTransaction();
    return insertBareEvent(runner.manager);
  })();
  return {
    inserted,
    async commit() {
      await runner.commitTransaction();
      await runner.release();
    },
  };
}

function insertEventAndCommit(): Promise<number> {
  return processes[0].dataSource.transaction((manager) => insertBareEvent(manager));
}

async function insertBareEvent(manager: EntityManager): Promise<number> {
  const [{ id }] = await manager.query<{ id: number }[]>(
    `INSERT INTO "events" ("blogId", "type", "postId", "payload", "createdAt", "epoch")
     VALUES ($1, 'delete', 0, '{}', now(), 'bare') RETURNING "id"`,
    [world.blog.id],
  );
  return id;
}

async function idsAfter(afterId: number): Promise<number[]> {
  const events = await processes[0].eventLog.readAfter(world.blog.id, afterId, 100);
  return events.map((event) => event.id);
}
