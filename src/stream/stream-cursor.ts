/** Where a reader resumes: after an event id, from now on, or (bad cursor) from a reset. */
export type StreamCursor =
  { kind: 'none' } | { kind: 'after'; eventId: number } | { kind: 'invalid'; reason: string };

/** Why a stream from a page of another epoch of the database opens with `reset`. */
export const OTHER_EPOCH = 'The blog was restored from a backup since this page was loaded';

/** Digits, any leading zeros aside ("0007" is 7, as "007" is): at most 16, so Number() is exact. */
const NON_NEGATIVE_INTEGER = /^0*(\d{1,16})$/;

/**
 * The cursor of a stream request: the Last-Event-ID header wins over ?after=, since on an
 * automatic reconnect the browser sends the newer id in the header while the URL still holds
 * the old `after`.
 */
export function readCursor(lastEventIdHeader: unknown, afterQuery: unknown): StreamCursor {
  const given =
    lastEventIdHeader !== undefined && lastEventIdHeader !== '' ? lastEventIdHeader : afterQuery;
  if (given === undefined) return { kind: 'none' };
  const digits = typeof given === 'string' ? NON_NEGATIVE_INTEGER.exec(given)?.[1] : undefined;
  const eventId = digits === undefined ? NaN : Number(digits);
  if (!Number.isSafeInteger(eventId)) {
    return { kind: 'invalid', reason: 'The cursor is not a non-negative integer' };
  }
  return { kind: 'after', eventId };
}

/**
 * An event id means something only in the epoch of the database it came from: a stream URL
 * whose `epoch` is not the server's (a page loaded before a restore from a backup, or a
 * mangled one) resets, whatever its cursor. No epoch (an older page, a script) keeps it.
 */
export function inEpoch(cursor: StreamCursor, givenEpoch: unknown, epoch: string): StreamCursor {
  if (givenEpoch === undefined || givenEpoch === epoch) return cursor;
  return { kind: 'invalid', reason: OTHER_EPOCH };
}
