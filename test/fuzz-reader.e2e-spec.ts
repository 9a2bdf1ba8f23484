import fc from 'fast-check';
import { parse as parseQueryString } from 'node:querystring';
import { StreamService } from '../src/stream/stream.service';
import {
  cursorText,
  CursorText,
  dtoFields,
  hostileBody,
  hostileSegment,
  oneIn,
  percentEncode,
  streamQuery,
  StreamQuery,
} from './support/fuzz-inputs';
import { fieldOf } from './support/fuzz-ledger';
import { READERS, VALID_OP_ONE_IN, validOp } from './support/fuzz-valid-inputs';
import { RawSseReader, waitUntil } from './support/sse-client';
import {
  decoded,
  ENDPOINT_TIMEOUT_MS,
  expectErrorShape,
  RUNS,
  segment,
  WriteFuzzer,
} from './support/write-fuzzer';

/*
 * Hostile input at the reader's routes: the view beacon, and the stream's cursor in
 * Last-Event-ID and ?after= (see test/support/write-fuzzer.ts for what every answer must be).
 */

describe('Fuzzing the write endpoints and the stream cursor', () => {
  const fuzzer = new WriteFuzzer('fuzz-reader');

  beforeAll(() => fuzzer.start(), 60_000);
  afterAll(() => fuzzer.stop());

  describe('the reader beacon', () => {
    it(
      'should answer POST /blogs/:slug/views with 2xx/4xx and count only the views it answers 204 for',
      () =>
        fuzzer.fuzzEndpoint({
          label: 'POST /blogs/:slug/views',
          method: 'POST',
          public: true,
          params: fc.record({
            slug: segment(() => [fuzzer.mainSlug, fuzzer.postsSlug], 4),
            reader: fc.oneof(
              { weight: 3, arbitrary: fc.constantFrom(...READERS) },
              {
                weight: 1,
                arbitrary: fc.constantFrom('', 'short', 'x'.repeat(23), 'a b'.padEnd(22, 'c')),
              },
              { weight: 1, arbitrary: fc.constant(undefined) },
            ),
          }),
          target: ({ slug }) => `/blogs/${slug()}/views`,
          extraHeaders: ({ params: { reader } }): Record<string, string> =>
            reader === undefined ? {} : { Cookie: `liveblog_reader=${reader}` },
          body: hostileBody(
            dtoFields({
              postIds: fc.oneof(
                fc.array(fc.nat({ max: 60 }), { maxLength: 5 }),
                fc.array(fc.integer(), { minLength: 99, maxLength: 102 }),
              ),
            }),
            ['postIds'],
          ),
          absorb: (answer, { params, body }) => {
            expect(answer.status).toBe(204);
            expect(READERS).toContain(params.reader);
            const blog = fuzzer.blogAt(params.slug());
            expect(blog).toBeDefined();
            fuzzer.ledger.viewed(params.reader!, blog!.slug, fieldOf(body, 'postIds') as unknown[]);
          },
        }),
      ENDPOINT_TIMEOUT_MS,
    );
  });

  describe('GET /blogs/:slug/events', () => {
    /** Cursor text as sent: "near the newest id" resolved now, with any leading zeros. */
    const resolveCursor = (cursor: CursorText, newest: number): string =>
      cursor.kind === 'text'
        ? cursor.text
        : `${'0'.repeat(cursor.zeros)}${Math.max(newest + cursor.offset, 0)}`;

    /** The contract's resume rules: where a stream with this header and query starts. */
    function expectedStart(
      header: string | undefined,
      query: string,
      newest: number,
    ): { kind: 'none' } | { kind: 'reset' } | { kind: 'after'; eventId: number } {
      const parseQuery =
        (fuzzer.testApp.app.getHttpAdapter().getInstance().get('query parser fn') as
          ((text: string) => Record<string, unknown>) | undefined) ?? parseQueryString;
      // A server reads a header value without the spaces and tabs around it.
      const trimmed = header?.replace(/^[ \t]+|[ \t]+$/g, '');
      const given: unknown = trimmed ? trimmed : parseQuery(query).after;
      if (given === undefined) return { kind: 'none' };
      if (typeof given !== 'string' || !/^\d+$/.test(given)) return { kind: 'reset' };
      if (BigInt(given) > BigInt(newest)) return { kind: 'reset' };
      return { kind: 'after', eventId: Number(given) };
    }

    function queryText(query: StreamQuery | null, newest: number): string {
      if (query === null) return '';
      if (query.kind === 'raw') return query.text;
      return `after=${percentEncode(resolveCursor(query.cursor, newest))}`;
    }

    it(
      'should open every stream of a known blog with 200 and start it by the resume rules, never 500',
      async () => {
        const label = 'GET /blogs/:slug/events';
        const input = fc.record({
          blog: fc.constantFrom('main', 'posts', 'status', 'unknown'),
          // A dot segment never reaches the stream's route: the client's URL parser resolves
          // `/blogs/./events` to `/blogs/events`, the page of a blog called "events".
          unknownSlug: hostileSegment.filter((slug) => !/^(?:\.|%2e){1,2}$/i.test(slug)),
          header: oneIn(2, cursorText),
          query: oneIn(2, streamQuery),
          validOp: oneIn(VALID_OP_ONE_IN, validOp),
        });
        await fuzzer.fuzz(
          label,
          input,
          async ({ blog, unknownSlug, header, query, validOp: op }) => {
            const events: Array<{ id: number; blogId: number; type: string }> =
              await fuzzer.testApp.database.query(
                'SELECT id, blogId, type FROM events ORDER BY id',
              );
            const newest = events.at(-1)?.id ?? 0;
            const slug = {
              main: fuzzer.mainSlug,
              posts: fuzzer.postsSlug,
              status: fuzzer.statusSlug,
              unknown: unknownSlug,
            }[blog];
            const headerText = header === null ? undefined : resolveCursor(header, newest);
            const query_ = queryText(query, newest);
            const url = `${fuzzer.testApp.url}/blogs/${slug}/events${query_ ? `?${query_}` : ''}`;
            const context = `GET ${url.slice(0, 300)}\n  Last-Event-ID: ${headerText?.slice(0, 100)}`;
            const reader = await RawSseReader.open(url, {
              headers: headerText === undefined ? {} : { 'Last-Event-ID': headerText },
            });
            try {
              fuzzer.countAnswer(label, reader.status);
              // Node refuses a request head over 16 KB (a 4,000-character cursor, percent-encoded
              // in the URL, can be three times that) before the app sees it.
              const headBytes =
                Buffer.byteLength(url) + Buffer.byteLength(headerText ?? '', 'latin1');
              if (reader.status === 431 && headBytes > 15_000) return;
              // A hostile blog created earlier may hold this very slug.
              const known = fuzzer.blogAt(slug);
              if (!known) {
                await reader.waitForEnd();
                expect(reader.status).toBe(decoded(slug) === undefined ? 400 : 404);
                expectErrorShape({
                  status: reader.status,
                  headers: reader.headers,
                  text: reader.text,
                  json: JSON.parse(reader.text),
                });
                return;
              }
              expect(reader.status).toBe(200);
              expect(reader.headers['content-type']).toMatch(/^text\/event-stream/);
              expect(reader.headers['cache-control']).toBe('no-cache, no-transform');
              expect(reader.headers['x-accel-buffering']).toBe('no');
              const blogId = known.id;
              const start = expectedStart(headerText, query_, newest);
              const replay = events.filter(
                (event) =>
                  event.blogId === blogId && start.kind === 'after' && event.id > start.eventId,
              );
              if (start.kind === 'reset' || replay.length > 0) {
                await reader.waitFor(
                  (body) => body.durableEvents.length > 0,
                  'the first durable event',
                  5_000,
                );
                const [first] = reader.durableEvents;
                if (start.kind === 'reset') {
                  expect(first).toMatchObject({ event: 'reset', id: String(newest) });
                  expect(JSON.parse(first.data)).toEqual({
                    reason: expect.any(String),
                    epoch: expect.any(String),
                  });
                } else {
                  expect(first).toMatchObject({ event: replay[0].type, id: String(replay[0].id) });
                }
              } else {
                // Nothing to replay: the first event is the ephemeral count of readers.
                await reader.waitFor((body) => body.events.length > 0, 'the first event', 5_000);
                expect(reader.durableEvents).toEqual([]);
              }
              expect(reader.text.startsWith('retry: ')).toBe(true);
            } catch (error) {
              throw new Error(
                `${context}\n${error instanceof Error ? error.message : String(error)}`,
              );
            } finally {
              reader.close();
            }
            if (op) await fuzzer.runValidOp(op);
          },
          RUNS * 2,
        );
        // Every stream the fuzzer opened is closed and released.
        const streams = fuzzer.testApp.app.get(StreamService);
        await waitUntil(
          () => streams.openStreams() === 0,
          () => `${streams.openStreams()} streams open`,
        );
        await fuzzer.expectIntact();
      },
      ENDPOINT_TIMEOUT_MS,
    );
  });
});
