import { inEpoch, OTHER_EPOCH, readCursor } from './stream-cursor';

const INVALID = { kind: 'invalid', reason: expect.stringMatching(/non-negative integer/) };

describe('readCursor', () => {
  describe('precedence', () => {
    it.each([
      ['the header over ?after=', '12', '3', { kind: 'after', eventId: 12 }],
      ['the header even when older than ?after=', '3', '12', { kind: 'after', eventId: 3 }],
      ['the header without ?after=', '12', undefined, { kind: 'after', eventId: 12 }],
      ['?after= without the header', undefined, '3', { kind: 'after', eventId: 3 }],
      ['?after= when the header is empty', '', '3', { kind: 'after', eventId: 3 }],
      ['a bad header over a good ?after=', 'x', '3', INVALID],
      ['a good header over a bad ?after=', '12', 'x', { kind: 'after', eventId: 12 }],
      ['nothing without either', undefined, undefined, { kind: 'none' }],
      ['nothing with an empty header and no ?after=', '', undefined, { kind: 'none' }],
    ])('should take %s', (_name, header, after, expected) => {
      expect(readCursor(header, after)).toEqual(expected);
    });
  });

  describe('valid cursors', () => {
    it.each([
      ['0', 0],
      ['1', 1],
      ['42', 42],
      ['007', 7],
      ['0'.repeat(17), 0],
      [`${'0'.repeat(3_999)}1`, 1],
      ['9007199254740991', Number.MAX_SAFE_INTEGER],
      [`${'0'.repeat(20)}9007199254740991`, Number.MAX_SAFE_INTEGER],
    ])('should read %j as event id %d, from the header and from ?after=', (given, eventId) => {
      expect(readCursor(given, undefined)).toEqual({ kind: 'after', eventId });
      expect(readCursor(undefined, given)).toEqual({ kind: 'after', eventId });
    });
  });

  describe('invalid cursors', () => {
    it.each<[string, unknown]>([
      ['letters', 'abc'],
      ['a negative number', '-1'],
      ['minus zero', '-0'],
      ['a decimal', '1.5'],
      ['a trailing dot', '1.'],
      ['a leading +', '+1'],
      ['an exponent', '1e3'],
      ['hexadecimal', '0x10'],
      ['a leading space', ' 1'],
      ['a trailing space', '1 '],
      ['a trailing line break', '1\n'],
      ['digits of another script', '١٢'],
      ['full-width digits', '１２'],
      ['Infinity', 'Infinity'],
      ['NaN', 'NaN'],
      ['MAX_SAFE_INTEGER + 1', '9007199254740992'],
      ['16 nines, beyond MAX_SAFE_INTEGER', '9'.repeat(16)],
      ['17 digits', '1'.repeat(17)],
      ['4,000 digits', '9'.repeat(4000)],
      ['4,000 characters', 'a1'.repeat(2000)],
      ['an array (?after=1&after=2)', ['1', '2']],
      ['a one-element array', ['1']],
      ['an object (?after[x]=1)', { x: '1' }],
      ['a number, not a string', 5],
      ['null', null],
    ])('should reject %s', (_name, given) => {
      expect(readCursor(undefined, given)).toEqual(INVALID);
      expect(readCursor(given, undefined)).toEqual(INVALID);
    });

    it('should reject an empty ?after= (given, but not a number)', () => {
      expect(readCursor(undefined, '')).toEqual(INVALID);
    });

    it('should reject a bad ?after= when the header is empty', () => {
      expect(readCursor('', '-1')).toEqual(INVALID);
    });
  });
});

describe('inEpoch', () => {
  const cursor = { kind: 'after', eventId: 12 } as const;
  const EPOCH = 'Qm9vbVNjb3JlZDE2';

  it.each([
    ['no epoch given (an older page or a script)', undefined],
    ["the server's epoch", EPOCH],
  ])('should keep the cursor with %s', (_name, given) => {
    expect(inEpoch(cursor, given, EPOCH)).toBe(cursor);
  });

  it.each([
    ['another epoch (a page from before a restore)', 'b3RoZXJEYXRhYmFzZQ'],
    ['an empty one', ''],
    ['the same with another case', EPOCH.toLowerCase()],
    ['an array (?epoch=a&epoch=b)', [EPOCH, EPOCH]],
    ['an object (?epoch[x]=a)', { x: EPOCH }],
  ])('should reset with %s, whatever the cursor', (_name, given) => {
    expect(inEpoch(cursor, given, EPOCH)).toEqual({ kind: 'invalid', reason: OTHER_EPOCH });
    expect(inEpoch({ kind: 'none' }, given, EPOCH)).toEqual({
      kind: 'invalid',
      reason: OTHER_EPOCH,
    });
  });
});
