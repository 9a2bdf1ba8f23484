/**
 * The servers bench/fanout measures, each started fresh on a free loopback port and stopped
 * after its run: Liveblog (the built app, as `npm start` runs it), nchan (nginx with
 * nchan.conf) and the naive Express server (naive-express.ts).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

export const HOST = '127.0.0.1';
const ROOT = join(__dirname, '..', '..');
const LIVEBLOG_MAIN = join(ROOT, 'dist', 'src', 'main.js');
const NGINX = '/usr/sbin/nginx';
const NCHAN_MODULE = '/usr/lib/nginx/modules/ngx_nchan_module.so';
const ADMIN = { email: 'bench@example.test', password: 'bench password' };
const READY_TIMEOUT_MS = 30_000;

export interface Target {
  readonly name: TargetName;
  readonly port: number;
  /** The server's processes, for CPU and memory (nginx: master and workers). */
  pids(): number[];
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
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
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

/** Liveblog: `node dist/src/main.js` on a temp SQLite file, per-address limits lifted. */
async function startLiveblog(): Promise<Target> {
  if (!existsSync(LIVEBLOG_MAIN)) {
    throw new TargetUnavailableError(`${LIVEBLOG_MAIN} is missing: run "npm run build" first`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'liveblog-fanout-'));
  const port = await freePort();
  const base = `http://${HOST}:${port}`;
  const server = new ServerProcess(
    'Liveblog',
    spawn(process.execPath, [LIVEBLOG_MAIN], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        PORT: String(port),
        HOST,
        DATABASE_PATH: join(dir, 'liveblog.sqlite'),
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
  let publishTimes: number[] = [];
  server.onStdoutLine((line) => {
    if (!line.includes('"responseTime"')) return;
    const entry = JSON.parse(line) as RequestLogEntry;
    if (entry.req?.method === 'POST' && entry.req.url?.endsWith('/posts')) {
      publishTimes.push(entry.responseTime);
    }
  });
  const client = new HttpClient(base);
  const cleanUp = async () => {
    client.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await server.waitReady(client, '/health');
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
      port,
      pids: () => [server.pid],
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

/** nchan: nginx with nchan.conf (one worker) in a temp prefix. */
async function startNchan(): Promise<Target> {
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
      .replaceAll('{{PREFIX}}', prefix),
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
    port,
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

/** naive-express.ts in its own Node process. */
async function startExpress(): Promise<Target> {
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
    port,
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

export function startTarget(name: TargetName): Promise<Target> {
  switch (name) {
    case 'liveblog':
      return startLiveblog();
    case 'nchan':
      return startNchan();
    case 'express':
      return startExpress();
  }
}
