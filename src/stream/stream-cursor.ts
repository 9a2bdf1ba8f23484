/** Where a reader resumes: after an event id, from now on, or (bad cursor) from a reset. */
export type StreamCursor =
  { kind: 'none' } | { kind: 'after'; eventId: number } | { kind: 'invalid'; reason: string };

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
