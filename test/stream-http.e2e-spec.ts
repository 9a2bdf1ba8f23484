import { connect } from 'node:net';
import { createApiToken, createBlog, createUser, publishPost, signIn } from './support/factories';
import { waitUntil } from './support/sse-client';
import { makeDataDir, removeDataDir, startTestApp, TestApp } from './support/test-app';
import { StreamService } from '../src/stream/stream.service';

/**
 * Streams write ready HTTP/1.1 chunks straight to the socket; these are the answers where
 * Node frames the body otherwise and the stream must not be chunked by hand.
 */
describe('Stream framing', () => {
  let dataDir: string;
  let testApp: TestApp;
  let slug: string;

  beforeAll(async () => {
    dataDir = makeDataDir();
    testApp = await startTestApp(dataDir, { SSE_MAX_PER_ADDRESS: '2' });
    const token = await createApiToken(await signIn(testApp, await createUser(testApp)));
    slug = (await createBlog(testApp, token)).slug;
    await publishPost(testApp, token, slug, { body: 'Kick-off' });
    await publishPost(testApp, token, slug, { body: 'Half-time' });
  });

  afterAll(async () => {
    await testApp.close();
    removeDataDir(dataDir);
  });

  /** Sends a raw request; resolves with what came back once `done` holds or the server closed. */
  function exchange(request: string, done: (text: string) => boolean): Promise<string> {
    const { port } = new URL(testApp.url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write(request));
      let text = '';
      socket.setEncoding('latin1');
      socket.on('data', (data: string) => {
        text += data;
        if (done(text)) {
          socket.destroy();
          resolve(text);
        }
      });
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
  }

  it('should send an HTTP/1.0 client the events unchunked', async () => {
    const text = await exchange(
      `GET /blogs/${slug}/events?after=0 HTTP/1.0\r\nAccept: text/event-stream\r\n\r\n`,
      (received) => received.includes('event: readers'),
    );
    const body = text.slice(text.indexOf('\r\n\r\n') + 4);

    expect(text).toMatch(/^HTTP\/1\.1 200 /);
    expect(text).not.toMatch(/transfer-encoding/i);
    // Both entries are replayed from memory, joined into one buffer and unchunked again.
    expect(body).toMatch(
      /^retry: \d+\n\nid: 1\nevent: post\ndata: \{.*"Kick-off".*\}\n\nid: 2\nevent: post\ndata: \{.*"Half-time".*\}\n\n/,
    );
    expect(body).not.toMatch(/\r\n/);
  });

  it('should answer HEAD with the stream headers only, and end', async () => {
    // A request sent behind it on the same connection is answered only once HEAD's is over.
    const text = await exchange(
      `HEAD /blogs/${slug}/events HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n`,
      (received) => received.includes('"status"'),
    );
    const [head, next] = text.split(/(?=HTTP\/1\.1 )/).filter(Boolean);

    expect(head).toMatch(/^HTTP\/1\.1 200 /);
    expect(head).toMatch(/content-type: text\/event-stream/i);
    expect(head.endsWith('\r\n\r\n')).toBe(true);
    expect(next).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('should release a stream queued behind another on one connection when the client goes', async () => {
    const streams = testApp.app.get(StreamService);
    const { port } = new URL(testApp.url);
    const request = `GET /blogs/${slug}/events HTTP/1.1\r\nHost: x\r\n\r\n`;
    for (let round = 0; round < 3; round++) {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write(request + request));
      await new Promise((resolve) => socket.once('data', resolve));
      await waitUntil(
        () => streams.openStreams() === 2,
        () => 'both streams opened',
      );
      socket.destroy();
      await waitUntil(
        () => streams.openStreams() === 0,
        () => 'both streams released',
      );
    }
    // Had any slot stayed taken, this address (limit 2) would be refused now.
    const text = await exchange(request, (received) => received.includes('retry:'));
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
  });
});
