/**
 * The servers bench/fanout measures, each started fresh on free loopback ports and stopped
 * after its run: Liveblog (the built app, as `npm start` runs it: one process on a temp SQLite
 * file, or several sharing a fresh PostgreSQL database and Redis), nchan (nginx with
 * nchan.conf, one worker per process asked for) and the naive Express server (naive-express.ts).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import { lookAlikePost } from './look-alike-post';
import { childPids } from './process-usage';

export const TARGET_NAMES = ['liveblog', 'nchan', 'express'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

/** What the bench needs to know of each target before starting it. */
export interface TargetTraits {
  label: string;
  /** Whether its streams resume from `Last-Event-ID` (the storm and backlog scenarios). */
  resumes: boolean;
  /**
   * Whether its memory is managed by a garbage collector (Node's V8): its resident memory then
   * holds garbage until the collector gives it back, and is watched for longer.
   */
  collectsGarbage: boolean;
}

export const TARGET_TRAITS: Record<TargetName, TargetTraits> = {
  liveblog: { label: 'Liveblog', resumes: true, collectsGarbage: true },
  nchan: { label: 'nchan', resumes: true, collectsGarbage: false },
  express: { label: 'naive Express', resumes: false, collectsGarbage: true },
};

export const DATABASES = ['sqlite', 'postgres'] as const;
export type Database = (typeof DATABASES)[number];

/** How the targets run: how many server processes (nchan: workers), on which database. */
export interface Deployment {
  processes: number;
  /** Liveblog's: `postgres` is PostgreSQL and Redis, as several processes need. */
  database: Database;
}

export const HOST = '127.0.0.1';
/** The local services of a multi-process run (the same the cluster tests use by default). */
const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';
/** A database index of the bench's own: it is emptied before each run. */
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/9';
/** Every process must sign sessions alike: the publisher signs in on one, streams go to all. */
const SESSION_SECRET = 'the-fan-out-bench-signs-every-process-session-alike';
const ROOT = join(__dirname, '..', '..');
const LIVEBLOG_DIST = join(ROOT, 'dist');
const NGINX = '/usr/sbin/nginx';
const NCHAN_MODULE = '/usr/lib/nginx/modules/ngx_nchan_module.so';
const ADMIN = { email: 'bench@example.test', password: 'bench password' };
const READY_TIMEOUT_MS = 30_000;

export interface Target {
  readonly name: TargetName;
  /**
   * Where readers connect: one port per server process that listens on its own (Liveblog), or
   * one for all (nginx's workers share it). Publishes go to the first.
   */
  readonly ports: number[];
  /** The server's processes, for CPU and memory (nginx: master and workers). */
  pids(): number[];
  /**
   * The processes of the services it uses, for their CPU: PostgreSQL's backends serving its
   * database and the Redis server. None for a target on its own.
   */
  servicePids?(): Promise<number[]>;
  streamPath(slug: string): string;
  createBlog(slug: string): Promise<void>;
  /** Publishes an entry with this body; resolves with its event id as a reader resumes from it. */
  publish(slug: string, body: string): Promise<string>;
  /**
   * The server's own time for each publish since the last call, in whole ms, from its request
   * log: from after the body is parsed until the answer is handed to the kernel. Liveblog only.
   */
  takeServerPublishMs?(): number[];
  stop(): Promise<void>;
}

/** The target cannot run on this machine (say, nginx is not installed): its rows are skipped. */
export class TargetUnavailableError extends Error {}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** An HTTP client on keep-alive connections; the publish latency is its round trip. */
export class HttpClient {
  private readonly agent: http.Agent;

  constructor(
    readonly base: string,
    maxSockets = 16,
    /** The loopback address to connect from (rate limits count per address). */
    localAddress?: string,
  ) {
    // Idle connections close before Node's server closes them (keepAliveTimeout, 5 s): else a
    // request can go out on one the server is closing, and fail with ECONNRESET.
    this.agent = new http.Agent({ keepAlive: true, maxSockets, localAddress, timeout: 4000 });
  }

  send(
    method: string,
    path: string,
    headers: Record<string, string> = {},
    body?: string,
  ): Promise<Answer> {
    const payload = body === undefined ? undefined : Buffer.from(body);
    return new Promise<Answer>((resolve, reject) => {
      const request = http.request(
        `${this.base}${path}`,
        {
          method,
          agent: this.agent,
          headers: payload ? { ...headers, 'Content-Length': String(payload.length) } : headers,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          response.on('error', reject);
        },
      );
      request.setTimeout(30_000, () => request.destroy(new Error(`${method} ${path}: timeout`)));
      request.on('error', reject);
      request.end(payload);
    });
  }

  async json(
    expected: number | number[],
    method: string,
    path: string,
    headers: Record<string, string> = {},
    body?: unknown,
  ): Promise<{ json: Record<string, unknown>; headers: http.IncomingHttpHeaders }> {
    const answer = await this.send(
      method,
      path,
      body === undefined ? headers : { ...headers, 'Content-Type': 'application/json' },
      body === undefined ? undefined : JSON.stringify(body),
    );
    if (![expected].flat().includes(answer.status)) {
      throw new Error(
        `${method} ${path}: ${answer.status}, not ${String(expected)}: ${answer.text}`,
      );
    }
    return {
      json: JSON.parse(answer.text || '{}') as Record<string, unknown>,
      headers: answer.headers,
    };
  }

  close(): void {
    this.agent.destroy();
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A child process whose output is kept (the tail) for the error message if it fails. */
class ServerProcess {
  private output = '';
  readonly exited: Promise<void>;

  constructor(
    readonly what: string,
    readonly child: ChildProcess,
  ) {
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /** Calls `listener` with each whole line the server writes to stdout. */
  onStdoutLine(listener: (line: string) => void): void {
    let partial = '';
    this.child.stdout?.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop()!;
      lines.forEach(listener);
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  get tail(): string {
    return this.output.trim();
  }

  /** Ready once `path` answers 200. */
  async waitReady(client: HttpClient, path: string): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new TargetUnavailableError(`${this.what} exited at start:\n${this.tail}`);
      }
      const ready = await client.send('GET', path).then(
        (answer) => answer.status === 200,
        () => false,
      );
      if (ready) return;
      if (Date.now() > deadline) {
        throw new TargetUnavailableError(`${this.what} not ready in 30 s:\n${this.tail}`);
      }
      await sleep(100);
    }
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill(signal);
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(killer);
  }
}

/** A line of Liveblog's request log (pino-http), as far as the bench reads it. */
interface RequestLogEntry {
  req?: { method?: string; url?: string };
  responseTime: number;
}

let liveblogBuild: string | undefined;

/**
 * The built app (dist/) as it was when the first Liveblog run started, copied to a temp folder
 * beside links to node_modules, views and public: a rebuild during the bench (which empties
 * dist/ first) cannot pull the app from under a run that starts its processes minutes later.
 * Returns the copy's main.js.
 */
function liveblogMain(): string {
  if (liveblogBuild) return join(liveblogBuild, 'dist', 'src', 'main.js');
  if (!existsSync(join(LIVEBLOG_DIST, 'src', 'main.js'))) {
    throw new TargetUnavailableError(
      `${LIVEBLOG_DIST}/src/main.js is missing: run "npm run build" first`,
    );
  }
  const copy = mkdtempSync(join(tmpdir(), 'liveblog-fanout-build-'));
  cpSync(LIVEBLOG_DIST, join(copy, 'dist'), { recursive: true });
  for (const shared of ['node_modules', 'views', 'public', 'package.json']) {
    symlinkSync(join(ROOT, shared), join(copy, shared));
  }
  liveblogBuild = copy;
  return liveblogMain();
}

/** Removes the copy of the built app, if a run made one. */
export function removeLiveblogBuild(): void {
  if (liveblogBuild) rmSync(liveblogBuild, { recursive: true, force: true });
  liveblogBuild = undefined;
}

/** Where a Liveblog run keeps its data: its environment, and how to remove it after. */
interface LiveblogStore {
  env: Record<string, string>;
  /** The services' processes (PostgreSQL's backends of the database, Redis), if any. */
  servicePids?: () => Promise<number[]>;
  remove(): Promise<void>;
}

/** A temp SQLite file: one process only. */
function sqliteStore(): LiveblogStore {
  const dir = mkdtempSync(join(tmpdir(), 'liveblog-fanout-'));
  return {
    env: { DATABASE_PATH: join(dir, 'liveblog.sqlite') },
    remove: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
  };
}

async function onPostgres<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: `${POSTGRES_URL}/postgres` });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A fresh PostgreSQL database, dropped after the run, and the bench's Redis database, emptied. */
async function postgresStore(): Promise<LiveblogStore> {
  const name = `liveblog_bench_${randomBytes(6).toString('hex')}`;
  let redisPid: number;
  try {
    await onPostgres((client) => client.query(`CREATE DATABASE ${name}`));
    const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      // Nothing of an earlier run (stream counts, views, rate limits) is seen.
      await redis.flushdb();
      // On this host, as the bench assumes: its CPU is read from /proc.
      redisPid = Number(/^process_id:(\d+)/m.exec(await redis.info('server'))?.[1]);
    } finally {
      redis.disconnect();
    }
  } catch (error) {
    throw new TargetUnavailableError(
      `PostgreSQL (${POSTGRES_URL}) or Redis (${REDIS_URL}) not usable: ${String(error)}`,
    );
  }
  return {
    env: {
      DATABASE_URL: `${POSTGRES_URL}/${name}`,
      REDIS_URL,
      SESSION_SECRET,
    },
    servicePids: async () => {
      const backends = await onPostgres((client) =>
        client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [
          name,
        ]),
      );
      return [...backends.rows.map((row) => row.pid), ...(redisPid ? [redisPid] : [])];
    },
    remove: async () => {
      await onPostgres((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/**
 * Liveblog: `node dist/src/main.js`, one process per `deployment.processes`, each on a port of
 * its own, per-address limits lifted. The first takes the publishes.
 */
async function startLiveblog(deployment: Deployment): Promise<Target> {
  const main = liveblogMain();
  const store = deployment.database === 'postgres' ? await postgresStore() : sqliteStore();
  const servers: ServerProcess[] = [];
  const ports: number[] = [];
  let publishTimes: number[] = [];
  const clients: HttpClient[] = [];
  const cleanUp = async () => {
    for (const client of clients) client.close();
    await Promise.all(servers.map((server) => server.stop()));
    await store.remove();
  };
  try {
    // One at a time: the first migrates the new database, the others find it ready.
    for (let i = 0; i < deployment.processes; i++) {
      const port = await freePort();
      const server = new ServerProcess(
        `Liveblog process ${i + 1}`,
        spawn(process.execPath, [main], {
          cwd: ROOT,
          env: {
            PATH: process.env.PATH,
            PORT: String(port),
            HOST,
            ...store.env,
            ADMIN_EMAIL: ADMIN.email,
            ADMIN_PASSWORD: ADMIN.password,
            // As `npm start` logs: a line per request (streams have none), publishes' times from it.
            LOG_LEVEL: 'info',
            // Every reader and the publisher share loopback addresses here.
            SSE_MAX_PER_ADDRESS: '1000000',
            API_WRITE_RATE_LIMIT: '1000000',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
      );
      servers.push(server);
      server.onStdoutLine((line) => {
        if (!line.includes('"responseTime"')) return;
        const entry = JSON.parse(line) as RequestLogEntry;
        if (entry.req?.method === 'POST' && entry.req.url?.endsWith('/posts')) {
          publishTimes.push(entry.responseTime);
        }
      });
      const client = new HttpClient(`http://${HOST}:${port}`);
      clients.push(client);
      await server.waitReady(client, '/health');
      ports.push(port);
    }
    const [client] = clients;
    const base = client.base;
    // Signed in as a browser would (Origin: this site), then an API token for the publisher.
    const login = await client.json(200, 'POST', '/api/auth/login', { Origin: base }, ADMIN);
    const session = String(login.headers['set-cookie']).split(';')[0];
    const token = await client.json(
      201,
      'POST',
      '/api/tokens',
      { Origin: base, Cookie: session, 'X-CSRF-Token': String(login.json.csrfToken) },
      { name: 'bench' },
    );
    const auth = { Authorization: `Bearer ${String(token.json.secret)}` };
    return {
      name: 'liveblog',
      ports,
      pids: () => servers.map((server) => server.pid),
      servicePids: store.servicePids,
      streamPath: (slug) => `/blogs/${slug}/events`,
      async createBlog(slug) {
        await client.json(201, 'POST', '/api/blogs', auth, { title: `Bench ${slug}`, slug });
      },
      async publish(slug, body) {
        const answer = await client.json(201, 'POST', `/api/blogs/${slug}/posts`, auth, { body });
        return String(answer.json.eventId);
      },
      takeServerPublishMs() {
        const taken = publishTimes;
        publishTimes = [];
        return taken;
      },
      stop: cleanUp,
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

/** nchan: nginx with nchan.conf (a worker per process asked for) in a temp prefix. */
async function startNchan(deployment: Deployment): Promise<Target> {
  if (!existsSync(NGINX) || !existsSync(NCHAN_MODULE)) {
    throw new TargetUnavailableError(
      `${NGINX} or ${NCHAN_MODULE} is missing (apt-get install nginx-light libnginx-mod-nchan)`,
    );
  }
  const prefix = mkdtempSync(join(tmpdir(), 'nchan-fanout-'));
  // Started as root, nginx runs its worker as nobody: it must reach its temp folders.
  chmodSync(prefix, 0o755);
  const port = await freePort();
  const config = join(prefix, 'nchan.conf');
  writeFileSync(
    config,
    readFileSync(join(__dirname, 'nchan.conf'), 'utf8')
      .replaceAll('{{PORT}}', String(port))
      .replaceAll('{{PREFIX}}', prefix)
      .replaceAll('{{WORKERS}}', String(deployment.processes)),
  );
  const server = new ServerProcess(
    'nginx',
    spawn(NGINX, ['-c', config, '-p', `${prefix}/`], { stdio: ['ignore', 'pipe', 'pipe'] }),
  );
  const client = new HttpClient(`http://${HOST}:${port}`);
  const cleanUp = async () => {
    client.close();
    await server.stop();
    rmSync(prefix, { recursive: true, force: true });
  };
  try {
    await server.waitReady(client, '/health');
  } catch (error) {
    await cleanUp();
    throw error;
  }
  let entryId = 0;
  return {
    name: 'nchan',
    ports: [port],
    pids: () => [server.pid, ...childPids(server.pid)],
    streamPath: (slug) => `/blogs/${slug}/events`,
    createBlog: () => Promise.resolve(),
    async publish(slug, body) {
      // The message is what Liveblog would send for this entry, so frames are alike in size.
      entryId += 1;
      // 201 when some subscriber got it, 202 when none was there (queued only).
      const answer = await client.json(
        [201, 202],
        'POST',
        `/pub/${slug}`,
        { Accept: 'application/json' },
        { post: lookAlikePost(entryId, body) },
      );
      return String(answer.json.last_message_id);
    },
    stop: cleanUp,
  };
}

/** naive-express.ts in its own Node process: one only, its readers are in its memory. */
async function startExpress(deployment: Deployment): Promise<Target> {
  if (deployment.processes > 1) {
    throw new TargetUnavailableError('naive Express runs as one process (its readers are a Set)');
  }
  const port = await freePort();
  const server = new ServerProcess(
    'naive Express',
    spawn(
      process.execPath,
      [
        '-r',
        require.resolve('ts-node/register/transpile-only'),
        join(__dirname, 'naive-express.ts'),
      ],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH, PORT: String(port), HOST, NODE_ENV: 'production' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    ),
  );
  const client = new HttpClient(`http://${HOST}:${port}`);
  const cleanUp = async () => {
    client.close();
    await server.stop();
  };
  try {
    await server.waitReady(client, '/health');
  } catch (error) {
    await cleanUp();
    throw error;
  }
  return {
    name: 'express',
    ports: [port],
    pids: () => [server.pid],
    streamPath: (slug) => `/blogs/${slug}/events`,
    createBlog: () => Promise.resolve(),
    async publish(slug, body) {
      const answer = await client.json(201, 'POST', `/blogs/${slug}/posts`, {}, { body });
      return String(answer.json.eventId);
    },
    stop: cleanUp,
  };
}

export function startTarget(name: TargetName, deployment: Deployment): Promise<Target> {
  switch (name) {
    case 'liveblog':
      return startLiveblog(deployment);
    case 'nchan':
      return startNchan(deployment);
    case 'express':
      return startExpress(deployment);
  }
}
