import { connect } from 'node:net';
import { createApiToken, createBlog, createUser, signIn } from './support/factories';
import { makeDataDir, removeDataDir, startTestApp, TestApp } from './support/test-app';

/** Requests a client that never gives up sends before the test calls the connection held open. */
const MAX_REQUESTS = 50;

/** The first whole answer in `text` (chunked or with a length): its head and its length. */
function nextAnswer(text: string): { head: string; length: number } | undefined {
  const headEnd = text.indexOf('\r\n\r\n');
  if (headEnd < 0) return undefined;
  const head = text.slice(0, headEnd);
  const contentLength = /^content-length: (\d+)$/im.exec(head);
  if (contentLength) {
    const length = headEnd + 4 + Number(contentLength[1]);
    return text.length >= length ? { head, length } : undefined;
  }
  const lastChunk = text.indexOf('\r\n0\r\n\r\n', headEnd);
  return lastChunk < 0 ? undefined : { head, length: lastChunk + '\r\n0\r\n\r\n'.length };
}

/**
 * A browser's connection while the server stops: a request of the page is still on its way
 * when the stop begins, then the page's stream reconnects on the same kept-alive connection
 * as soon as each answer is over, for as long as the server answers on it. The server must
 * close that connection, or its own close never finishes.
 */
describe('A stopping server', () => {
  let dataDir: string;
  let testApp: TestApp;
  let slug: string;

  beforeEach(async () => {
    dataDir = makeDataDir();
    testApp = await startTestApp(dataDir);
    const token = await createApiToken(await signIn(testApp, await createUser(testApp)));
    slug = (await createBlog(testApp, token)).slug;
  });

  afterEach(() => removeDataDir(dataDir));

  it('should close a connection kept alive by a reconnecting stream, and finish closing', async () => {
    const { port } = new URL(testApp.url);
    const stream = `GET /blogs/${slug}/events HTTP/1.1\r\nHost: x\r\n\r\n`;
    const heads: string[] = [];
    let requests = 1;
    let closing: Promise<void> | undefined;

    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1');
      let received = '';
      socket.setEncoding('latin1');
      // A request whose body has not all arrived is in progress: server.close() leaves it be.
      socket.write(
        `POST /blogs/${slug}/views HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{`,
        () => {
          closing = testApp.close();
          socket.write('}');
        },
      );
      socket.on('data', (data: string) => {
        received += data;
        for (let answer = nextAnswer(received); answer; answer = nextAnswer(received)) {
          heads.push(answer.head);
          received = received.slice(answer.length);
          if (requests === MAX_REQUESTS) {
            socket.destroy();
            return;
          }
          requests += 1;
          socket.write(stream);
        }
      });
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
    await closing;

    // Closed by the server: the first answer, or the first given after the stop began.
    expect(requests).toBeLessThan(MAX_REQUESTS);
    expect(heads.length).toBeGreaterThanOrEqual(1);
    expect(heads.length).toBeLessThanOrEqual(2);
    expect(heads[0]).toMatch(/^HTTP\/1\.1 4\d\d /);
    if (heads.length === 2) {
      expect(heads[1]).toMatch(/^HTTP\/1\.1 200 /);
      expect(heads[1]).toMatch(/^connection: close$/im);
    }
  });

  it('should close a connection a browser opened ahead of need, which sent no request', async () => {
    const { port } = new URL(testApp.url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const socketClosed = new Promise((resolve) => socket.once('close', resolve));

    // Without closing it, Node keeps it until its headers timeout, a minute: past the test's.
    await testApp.close();

    await socketClosed;
    expect(socket.destroyed).toBe(true);
  });
});
