import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { encodeFrame, encodeRetry, HEARTBEAT_FRAME } from './sse-frame';

interface Parsed {
  events: EventSourceMessage[];
  retries: number[];
  comments: string[];
  errors: string[];
}

/**
 * Parses bytes the way a browser's EventSource does (WHATWG "Server-sent events"), fed in
 * chunks of `chunkSize` bytes, split anywhere, even inside a UTF-8 sequence.
 */
function parse(bytes: Buffer, chunkSize = bytes.length): Parsed {
  const parsed: Parsed = { events: [], retries: [], comments: [], errors: [] };
  const parser = createParser({
    onEvent: (event) => parsed.events.push(event),
    onRetry: (retry) => parsed.retries.push(retry),
    onComment: (comment) => parsed.comments.push(comment),
    onError: (error) => parsed.errors.push(error.message),
  });
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (let start = 0; start < bytes.length; start += Math.max(1, chunkSize)) {
    parser.feed(decoder.decode(bytes.subarray(start, start + chunkSize), { stream: true }));
  }
  parser.feed(decoder.decode());
  return parsed;
}

/** Entry bodies an editor may type, and that try to break out of the `data:` field. */
const TRICKY_BODIES: Array<[string, string]> = [
  ['a line feed', 'line one\nline two'],
  ['CRLF', 'line one\r\nline two'],
  ['a lone CR', 'line one\rline two'],
  ['an injected event field', 'Goal!\nevent: x'],
  ['an injected id field', 'Goal!\nid: 999'],
  ['an injected event after a blank line', 'Goal!\n\ndata: injected\n\n'],
  ['injected fields with CRs', 'Goal!\r\rid: 1\r\revent: reset\r\r'],
  ['an injected retry and comment', '\nretry: 1\n: comment\n'],
  ['a NUL', 'before\u0000after'],
  ['U+2028 and U+2029', 'line\u2028separator\u2029paragraph'],
  ['U+0085 (NEL)', 'next\u0085line'],
  ['emoji', 'Goal! ⚽️🎉 👨‍👩‍👧‍👦 🇫🇷'],
  ['other scripts', 'Ünïcödé — 中文 — العربية — हिन्दी — 𝔘𝔫𝔦𝔠𝔬𝔡𝔢'],
  ['a lone surrogate', 'broken \ud800 half'],
  ['a byte order mark', '\ufeffdata: x'],
  ['leading and trailing blanks', '  \t padded \t  '],
  ['quotes and backslashes', 'He said "1-0" \\ C:\\path\\n'],
  ['a long body', 'x'.repeat(20_000)],
  ['an empty body', ''],
];

describe('encodeFrame', () => {
  it.each(TRICKY_BODIES)(
    'should carry an entry body with %s back to the same payload, as exactly one event',
    (_name, body) => {
      const payload = JSON.stringify({ post: { id: 7, body } });
      const frame = encodeFrame({ id: 42, type: 'post', data: payload });

      // Parsed whole, and byte by byte (split inside every UTF-8 sequence).
      for (const parsed of [parse(frame), parse(frame, 1), parse(frame, 7)]) {
        expect(parsed.events).toEqual([{ id: '42', event: 'post', data: payload }]);
        expect(JSON.parse(parsed.events[0].data)).toEqual({ post: { id: 7, body } });
        expect(parsed.retries).toEqual([]);
        expect(parsed.comments).toEqual([]);
        expect(parsed.errors).toEqual([]);
      }
    },
  );

  it.each(TRICKY_BODIES)(
    'should put an entry body with %s on three field lines and a blank one',
    (_name, body) => {
      const payload = JSON.stringify({ post: { body } });
      const text = encodeFrame({ id: 3, type: 'update', data: payload }).toString('utf8');

      expect(text).toBe(`id: 3\nevent: update\ndata: ${payload}\n\n`);
      expect(text.split(/\r\n|\r|\n/)).toHaveLength(5);
    },
  );

  it('should keep the events apart when frames follow each other on a stream', () => {
    const payloads = TRICKY_BODIES.map(([, body]) => JSON.stringify({ post: { body } }));
    const stream = Buffer.concat([
      encodeRetry(3000),
      ...payloads.map((data, index) => encodeFrame({ id: index + 1, type: 'post', data })),
      HEARTBEAT_FRAME,
      encodeFrame({ id: 1000, type: 'delete', data: JSON.stringify({ postId: 7 }) }),
    ]);

    const parsed = parse(stream, 13);
    expect(parsed.events).toEqual([
      ...payloads.map((data, index) => ({ id: String(index + 1), event: 'post', data })),
      { id: '1000', event: 'delete', data: '{"postId":7}' },
    ]);
    expect(parsed.retries).toEqual([3000]);
    expect(parsed.comments).toEqual(['']);
    expect(parsed.errors).toEqual([]);
  });

  it.each([
    ['LF', 'a\nb\nc'],
    ['CRLF', 'a\r\nb\r\nc'],
    ['CR', 'a\rb\rc'],
    ['mixed', 'a\r\nb\rc'],
  ])('should give raw data with %s line breaks one data: line each, joined by LF', (_, data) => {
    const frame = encodeFrame({ id: 5, type: 'post', data });

    expect(frame.toString('utf8')).toBe('id: 5\nevent: post\ndata: a\ndata: b\ndata: c\n\n');
    expect(parse(frame).events).toEqual([{ id: '5', event: 'post', data: 'a\nb\nc' }]);
  });

  it.each([
    ['a blank line', 'a\n\nb', 'a\n\nb'],
    ['a trailing line break', 'a\n', 'a\n'],
    ['only a line break', '\r\n', '\n'],
    ['an empty string', '', ''],
    ['a leading space', ' a', ' a'],
    ['field-like lines', 'x\nid: 9\nevent: reset\nretry: 1', 'x\nid: 9\nevent: reset\nretry: 1'],
  ])('should carry raw data with %s through the parser', (_, data, expected) => {
    const parsed = parse(encodeFrame({ id: 8, type: 'post', data }));

    expect(parsed.events).toEqual([{ id: '8', event: 'post', data: expected }]);
    expect(parsed.retries).toEqual([]);
  });

  it.each([
    ['LF', 'post\nid: 1'],
    ['CR', 'post\rid: 1'],
    ['CRLF', 'post\r\n\r\ndata: x'],
    ['a trailing LF', 'post\n'],
  ])('should refuse an event type with a %s line break', (_, type) => {
    expect(() => encodeFrame({ id: 1, type, data: '{}' })).toThrow(/line break/);
  });

  it.each([1, 42, 2 ** 31, Number.MAX_SAFE_INTEGER])(
    'should write the id %d as one id: line the parser reports',
    (id) => {
      const frame = encodeFrame({ id, type: 'post', data: '{}' });
      const text = frame.toString('utf8');

      expect(text).toBe(`id: ${id}\nevent: post\ndata: {}\n\n`);
      expect(parse(frame).events).toEqual([{ id: String(id), event: 'post', data: '{}' }]);
    },
  );

  it('should write an event without id with no id: line, so the last event id stays', () => {
    const frame = encodeFrame({ type: 'views', data: '{"counts":{"7":41}}' });

    expect(frame.toString('utf8')).toBe('event: views\ndata: {"counts":{"7":41}}\n\n');
    const [event] = parse(frame).events;
    expect(event.id).toBeUndefined();
    expect(event).toEqual({ event: 'views', data: '{"counts":{"7":41}}' });
  });

  it('should write the same bytes every time, for one frame to be shared by all readers', () => {
    const event = { id: 9, type: 'post', data: JSON.stringify({ post: { body: 'é' } }) };
    expect(encodeFrame(event).equals(encodeFrame(event))).toBe(true);
    expect(encodeFrame(event)).toBeInstanceOf(Buffer);
  });
});

describe('encodeRetry', () => {
  it.each([
    [3000, 3000],
    [0, 0],
    [1234.9, 1234],
    [3_600_000, 3_600_000],
  ])('should encode %d as a retry field of %d and nothing else', (milliseconds, expected) => {
    const retry = encodeRetry(milliseconds);

    expect(retry.toString('utf8')).toBe(`retry: ${expected}\n\n`);
    expect(parse(retry)).toEqual({ events: [], retries: [expected], comments: [], errors: [] });
  });
});

describe('HEARTBEAT_FRAME', () => {
  it('should be a comment, ignored as an event', () => {
    expect(HEARTBEAT_FRAME.toString('utf8')).toBe(':\n\n');
    expect(parse(HEARTBEAT_FRAME)).toEqual({
      events: [],
      retries: [],
      comments: [''],
      errors: [],
    });
  });
});
