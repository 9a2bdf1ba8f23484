import fc from 'fast-check';

/**
 * Hostile inputs for the fuzz tests: random JSON, wrong types, strings that are hard to store
 * (lone surrogates, NULs, a megabyte), nesting deep enough to overflow a recursive walk,
 * prototype-pollution keys, text that is not JSON, the wrong content types, and route ids and
 * stream cursors that are almost numbers.
 */

/** Strings that have broken parsers, validators, templates or databases before. */
const NASTY_STRINGS = [
  '',
  ' ',
  '\t\r\n',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff',
  'x\ud83d',
  '\ud83d\ude00',
  '\u202e\u0301',
  '\ufeff',
  '\uffff',
  '\u2028\u2029',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'null',
  'undefined',
  'true',
  'NaN',
  '0',
  '-1',
  '1e309',
  '0x10',
  '[object Object]',
  '<script>alert(1)</script>',
  '{{constructor.constructor}}',
  '{{{body}}}',
  "' OR 1=1 --",
  '"; DROP TABLE posts; --',
  '../../etc/passwd',
  '%00',
  '%',
  '\r\nSet-Cookie: x=1',
  'live',
  'ended',
  'admin',
  'editor',
  'a@b.c',
  'x'.repeat(255),
];

/** `arbitrary` in one case of `oneIn`, else null (fc.option's `freq` counts the other way). */
export function oneIn<T>(oneIn: number, arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | null> {
  return fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary });
}

/** Lengths at and just past the limits of the DTOs (100, 200, 254, 1024, 2000, 20000). */
const LIMIT_LENGTHS = [
  99, 100, 101, 199, 200, 201, 254, 255, 1024, 1025, 2000, 2001, 20_000, 20_001,
];

/** One character repeated, up to past the 1 MB body limit (a 413). */
const longString: fc.Arbitrary<string> = fc
  .record({
    unit: fc.constantFrom('a', ' ', '\u0000', 'é', '😀', '\ud800', '<', '\\'),
    length: fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...LIMIT_LENGTHS) },
      { weight: 2, arbitrary: fc.integer({ min: 0, max: 25_000 }) },
      { weight: 1, arbitrary: fc.integer({ min: 1_000_000, max: 1_150_000 }) },
    ),
  })
  .map(({ unit, length }) => unit.repeat(length));

const oddCharacter = fc.constantFrom('\ud800', '\udc00', '\u0000', ' ', 'a', '\n', 'é', '😀', '%');

const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: oddCharacter, maxLength: 40 }) },
  { weight: 1, arbitrary: longString },
);

/** Any value, of any JSON type, for a field that expects one particular type. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  {
    weight: 2,
    arbitrary: fc.constantFrom(null, true, false, 0, -1, 1, 1.5, -0, 2 ** 53 + 2, 1e308, -1e308),
  },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.array(hostileString, { maxLength: 5 }) },
);

/** Keys a body should not have: unknown, prototype-polluting, the CSRF field. */
const strayKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', '_csrf', 'id', 'role', 'isAdmin', ''),
  fc.string({ maxLength: 10 }),
);

/**
 * A DTO's fields, each left out, plausible or hostile, now and then with a stray key: most
 * are 400s, some are valid writes (the spec then expects them to be kept).
 */
export function dtoFields(
  fields: Record<string, fc.Arbitrary<unknown>>,
): fc.Arbitrary<Record<string, unknown>> {
  const values = Object.fromEntries(
    Object.entries(fields).map(([name, plausible]) => [
      name,
      fc.oneof({ weight: 2, arbitrary: plausible }, { weight: 3, arbitrary: hostileValue }),
    ]),
  );
  return fc
    .tuple(
      fc.record(values, { requiredKeys: [] }),
      oneIn(4, fc.dictionary(strayKey, hostileValue, { maxKeys: 2 })),
    )
    .map(([known, stray]) => {
      const body: Record<string, unknown> = {};
      // defineProperty, so that a stray "__proto__" becomes a key of the JSON, not a prototype.
      for (const [key, value] of [...Object.entries(stray ?? {}), ...Object.entries(known)]) {
        Object.defineProperty(body, key, { value, enumerable: true, writable: true });
      }
      return body;
    });
}

/** What a request carries as its body, before it is put on the wire. */
export type BodySpec =
  | { kind: 'none' }
  | { kind: 'json'; value: unknown }
  | { kind: 'deep'; depth: number; shape: 'array' | 'object'; field?: string }
  | { kind: 'proto'; key: string; inner: string; base: Record<string, unknown> }
  | { kind: 'text'; text: string; contentType?: string; contentEncoding?: string }
  | { kind: 'bytes'; bytes: Uint8Array; contentType: string }
  | { kind: 'form'; fields: Array<[string, string]> };

/** A body as bytes and the headers that describe it. */
export interface WireBody {
  body?: Buffer;
  headers: Record<string, string>;
}

const JSON_TYPE = 'application/json';
const FORM_TYPE = 'application/x-www-form-urlencoded';

/**
 * Puts a body on the wire. `csrf` is added as the `_csrf` field of a JSON object or a form,
 * where a signed-in browser page would carry it.
 */
export function toWire(spec: BodySpec, csrf?: string): WireBody {
  const json = (text: string | undefined): WireBody => ({
    body: text === undefined ? undefined : Buffer.from(text),
    headers: { 'Content-Type': JSON_TYPE },
  });
  switch (spec.kind) {
    case 'none':
      return { headers: {} };
    case 'json': {
      const value =
        csrf !== undefined && isPlainObject(spec.value) ? withCsrf(spec.value, csrf) : spec.value;
      return json(JSON.stringify(value));
    }
    case 'deep': {
      const open = spec.shape === 'array' ? '[' : '{"a":';
      const close = spec.shape === 'array' ? ']' : '}';
      const deep =
        open.repeat(spec.depth) + (spec.shape === 'array' ? '' : '1') + close.repeat(spec.depth);
      return json(spec.field === undefined ? deep : `{${JSON.stringify(spec.field)}:${deep}}`);
    }
    case 'proto': {
      const base = JSON.stringify(csrf === undefined ? spec.base : withCsrf(spec.base, csrf));
      const rest = base === '{}' ? '}' : `,${base.slice(1)}`;
      return json(`{${JSON.stringify(spec.key)}:${spec.inner}${rest}`);
    }
    case 'text':
      return {
        body: Buffer.from(spec.text),
        headers: {
          ...(spec.contentType === undefined ? {} : { 'Content-Type': spec.contentType }),
          ...(spec.contentEncoding === undefined
            ? {}
            : { 'Content-Encoding': spec.contentEncoding }),
        },
      };
    case 'bytes':
      return { body: Buffer.from(spec.bytes), headers: { 'Content-Type': spec.contentType } };
    case 'form': {
      const fields = csrf === undefined ? spec.fields : [...spec.fields, ['_csrf', csrf]];
      return {
        body: Buffer.from(new URLSearchParams(fields).toString()),
        headers: { 'Content-Type': FORM_TYPE },
      };
    }
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function withCsrf(value: Record<string, unknown>, csrf: string): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    Object.defineProperty(copy, key, { value: field, enumerable: true, writable: true });
  }
  copy._csrf = csrf;
  return copy;
}

/** A form's fields as the server reads them back: what a write with this form must store. */
export function formValue(spec: BodySpec, name: string): string | undefined {
  if (spec.kind !== 'form') return undefined;
  const values = new URLSearchParams(new URLSearchParams(spec.fields).toString()).getAll(name);
  return values.length === 1 ? values[0] : undefined;
}

/** Nesting far past what a recursive walk survives (the 1 MB limit allows ~200,000 levels). */
const deepBody = (fields: string[]): fc.Arbitrary<BodySpec> =>
  fc.record({
    kind: fc.constant('deep' as const),
    depth: fc.oneof(fc.integer({ min: 2, max: 3_000 }), fc.integer({ min: 10_000, max: 150_000 })),
    shape: fc.constantFrom('array' as const, 'object' as const),
    field: fc.option(fc.constantFrom(...fields), { nil: undefined }),
  });

const protoBody = (dto: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<BodySpec> =>
  fc.record({
    kind: fc.constant('proto' as const),
    key: fc.constantFrom('__proto__', 'constructor', 'prototype'),
    inner: fc.constantFrom(
      '{"polluted":true}',
      '{"prototype":{"polluted":true}}',
      '{"__proto__":{"polluted":true}}',
      '{"role":"admin","isAdmin":true}',
      'null',
      '"polluted"',
      '[1]',
    ),
    base: dto,
  });

const NOT_JSON = [
  '{',
  '}',
  '{"a":}',
  '[1,]',
  "{'a':1}",
  'NaN',
  'undefined',
  '{"a":1}{"b":2}',
  '{"a":1,}',
  '\ufeff{}',
  '{"a":"\\x41"}',
  '{"a":01}',
  '{"a":"\\ud800"}',
  '{"a":1e999999}',
  'null',
  '0',
  '"text"',
  'true',
  '',
];

const invalidJson = (dto: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<BodySpec> =>
  fc
    .oneof(
      fc.constantFrom(...NOT_JSON),
      fc.string({ maxLength: 60 }),
      fc.tuple(dto, fc.nat()).map(([value, cut]) => {
        const text = JSON.stringify(value);
        return text.slice(0, cut % Math.max(text.length, 1));
      }),
    )
    .map((text) => ({ kind: 'text', text, contentType: JSON_TYPE }));

const CONTENT_TYPES = [
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/json; charset=x-unknown',
  'application/json; charset=',
  FORM_TYPE,
  'text/plain',
  'text/html',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/vnd.api+json',
  'application/json, text/plain',
  'application/*',
  '*/*',
  ';;;=',
];

const wrongContentType = (dto: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<BodySpec> =>
  fc.record({
    kind: fc.constant('text' as const),
    text: dto.map((value) => JSON.stringify(value)),
    contentType: fc.option(fc.constantFrom(...CONTENT_TYPES, JSON_TYPE), { nil: undefined }),
    contentEncoding: fc.option(
      fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x-unknown', 'gzip, gzip'),
      { nil: undefined, freq: 2 },
    ),
  });

const randomBytes: fc.Arbitrary<BodySpec> = fc.record({
  kind: fc.constant('bytes' as const),
  bytes: fc.uint8Array({ maxLength: 2_000 }),
  contentType: fc.constantFrom(JSON_TYPE, FORM_TYPE, 'application/json; charset=utf-8'),
});

/** A DTO's fields as an urlencoded form: every value a string, some fields given twice. */
const formBody = (
  dto: fc.Arbitrary<Record<string, unknown>>,
  extra: fc.Arbitrary<Array<[string, string]>> = fc.constant([]),
): fc.Arbitrary<BodySpec> =>
  fc.tuple(dto, extra, fc.boolean()).map(([value, more, twice]) => {
    const fields: Array<[string, string]> = Object.entries(value).map(([key, field]) => [
      key,
      typeof field === 'string' ? field : (JSON.stringify(field) ?? ''),
    ]);
    const [first] = fields;
    return {
      kind: 'form',
      fields: [...fields, ...more, ...(twice && first ? [first] : [])],
    };
  });

/** Form text that is not what a browser sends: bad escapes, bracket keys, empty pairs. */
const oddForm: fc.Arbitrary<BodySpec> = fc
  .oneof(
    fc.constantFrom(
      '%',
      '%ZZ=1',
      'a=%E0%A4%A',
      '&&&=&=',
      'body[a]=1&body[b]=2',
      'title[]=x&title[]=y',
      '__proto__[polluted]=1',
      'constructor[prototype][polluted]=1',
      '=x',
      'body',
    ),
    fc.string({ maxLength: 80 }),
  )
  .map((text) => ({ kind: 'text', text, contentType: FORM_TYPE }));

/**
 * Every kind of hostile body for an endpoint whose DTO is `dto` (its fields are `fields`).
 * `preferForm`: the endpoint is an HTML form post, so forms come first.
 */
export function hostileBody(
  dto: fc.Arbitrary<Record<string, unknown>>,
  fields: string[],
  options: { preferForm?: boolean } = {},
): fc.Arbitrary<BodySpec> {
  const asJson = dto.map((value): BodySpec => ({ kind: 'json', value }));
  return fc.oneof(
    { weight: options.preferForm ? 2 : 8, arbitrary: asJson },
    { weight: options.preferForm ? 8 : 1, arbitrary: formBody(dto) },
    { weight: 1, arbitrary: fc.jsonValue().map((value): BodySpec => ({ kind: 'json', value })) },
    {
      weight: 1,
      arbitrary: fc.anything({ maxDepth: 3 }).map((value): BodySpec => ({ kind: 'json', value })),
    },
    { weight: 2, arbitrary: deepBody(fields.length > 0 ? fields : ['a']) },
    { weight: 1, arbitrary: protoBody(dto) },
    { weight: 1, arbitrary: invalidJson(dto) },
    { weight: 1, arbitrary: wrongContentType(dto) },
    { weight: 1, arbitrary: randomBytes },
    { weight: 1, arbitrary: oddForm },
    { weight: 1, arbitrary: fc.constant<BodySpec>({ kind: 'none' }) },
  );
}

/** Hostile bodies for an HTML form post of the admin: forms first. */
export const hostileForm = (
  dto: fc.Arbitrary<Record<string, unknown>>,
  fields: string[],
): fc.Arbitrary<BodySpec> => hostileBody(dto, fields, { preferForm: true });

/** Bytes of a string as they go in a URL: every byte but letters and digits percent-encoded. */
export function percentEncode(text: string): string {
  return [...Buffer.from(text, 'utf8')]
    .map((byte) =>
      /[A-Za-z0-9\-_.~]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
}

/**
 * A route segment as it goes on the wire (already encoded): ids and slugs that are almost
 * right, encodings that do not decode, and any text at all.
 */
export const hostileSegment: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'abc',
      '-1',
      '0',
      '00',
      '01',
      '1e3',
      '0x10',
      '1.0',
      '1.',
      '+1',
      '%201',
      '1%20',
      '%00',
      '1%00',
      '%2F',
      '%ZZ',
      '%',
      '%E0%A4%A',
      '%ED%A0%80',
      '9007199254740991',
      '9007199254740993',
      '99999999999999999999',
      '1'.repeat(400),
      'Infinity',
      'NaN',
      'null',
      '..',
      '.',
      '%2e%2e',
      '%EF%BC%91',
      '%D9%A1',
      '0b1',
      '1_000',
      '%5B1%5D',
      'true',
    ),
  },
  {
    weight: 2,
    arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }).map(percentEncode),
  },
  {
    weight: 1,
    arbitrary: fc.string({ unit: oddCharacter, minLength: 1, maxLength: 20 }).map(percentEncode),
  },
  {
    weight: 2,
    arbitrary: fc.integer({ min: 1_000_000, max: Number.MAX_SAFE_INTEGER }).map(String),
  },
  { weight: 1, arbitrary: fc.bigInt({ min: 1n, max: 10n ** 30n }).map(String) },
);

/** What a route id segment is: malformed (400), a well-formed id (404 unless it exists), or in between. */
export function classifyId(segment: string): 'malformed' | 'well-formed' | 'out-of-range' {
  let id: string;
  try {
    id = decodeURIComponent(segment);
  } catch {
    return 'malformed';
  }
  if (!/^\d+$/.test(id)) return 'malformed';
  // Leading zeros or past 2^53: not an id the server ever hands out; 400 or 404 are both fair.
  return /^[1-9]\d*$/.test(id) && Number.isSafeInteger(Number(id)) ? 'well-formed' : 'out-of-range';
}

/** Characters a client can put in a header value (visible Latin-1, space and tab). */
const headerCharacter = fc
  .oneof(
    fc.integer({ min: 0x20, max: 0x7e }),
    fc.integer({ min: 0x80, max: 0xff }),
    fc.constant(0x09),
  )
  .map((code) => String.fromCharCode(code));

/** Almost-cursors: signs, exponents, leading zeros, other digits, 4,000 characters. */
const CURSOR_STRINGS = [
  '',
  ' ',
  '-1',
  '-0',
  '+1',
  '1.0',
  '1e2',
  '0x1',
  'NaN',
  'null',
  '1,2',
  '1 2',
  '9007199254740991',
  '9007199254740992',
  '9007199254740993',
  '99999999999999999999999',
  '9'.repeat(4_000),
  `${'0'.repeat(3_999)}1`,
  'a'.repeat(4_000),
];

/** A stream cursor: numbers near the real event ids, and text that is not a number. */
export type CursorText =
  | { kind: 'text'; text: string }
  /** An offset from the newest event id, resolved when the stream opens. */
  | { kind: 'near-newest'; offset: number; zeros: number };

export const cursorText: fc.Arbitrary<CursorText> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .record({
        offset: fc.integer({ min: -40, max: 3 }),
        zeros: fc.constantFrom(0, 0, 0, 1, 3, 17),
      })
      .map(({ offset, zeros }): CursorText => ({ kind: 'near-newest', offset, zeros })),
  },
  {
    weight: 1,
    arbitrary: fc.nat({ max: 30 }).map((n): CursorText => ({ kind: 'text', text: String(n) })),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(...CURSOR_STRINGS)
      .map((text): CursorText => ({ kind: 'text', text })),
  },
  {
    weight: 2,
    arbitrary: fc
      .string({ unit: headerCharacter, maxLength: 30 })
      .map((text): CursorText => ({ kind: 'text', text })),
  },
  {
    weight: 1,
    arbitrary: fc
      .string({ unit: headerCharacter, minLength: 4_000, maxLength: 4_000 })
      .map((text): CursorText => ({ kind: 'text', text })),
  },
);

/** The query string of a stream URL: `after=` with a cursor, or something odd. */
export type StreamQuery = { kind: 'after'; cursor: CursorText } | { kind: 'raw'; text: string };

export const streamQuery: fc.Arbitrary<StreamQuery> = fc.oneof(
  { weight: 4, arbitrary: cursorText.map((cursor): StreamQuery => ({ kind: 'after', cursor })) },
  {
    weight: 1,
    arbitrary: fc
      .string({ unit: 'binary', maxLength: 20 })
      .map((text): StreamQuery => ({ kind: 'after', cursor: { kind: 'text', text } })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(
        'after',
        'after=',
        'after=1&after=2',
        'after[]=1',
        'after[a]=1',
        'after=%',
        'after=%ZZ',
        'after=%00',
        'after=%ED%A0%80',
        'after=%EF%BC%91',
        'after=1%00',
        'after=+1',
        'after=%201',
        'AFTER=1',
        '&&&',
        'after=1;after=2',
      )
      .map((text): StreamQuery => ({ kind: 'raw', text })),
  },
);
