import { InvalidInputError } from '../errors/domain-errors';

/**
 * The orders a blog's entries are read in: the newest on top, as while it is live, or from the
 * start, as a blog read after the event reads best.
 */
export const READING_ORDERS = ['newest', 'oldest'] as const;

export type ReadingOrder = (typeof READING_ORDERS)[number];

export const READING_ORDER_MESSAGE = 'order must be newest or oldest';

export function isReadingOrder(value: unknown): value is ReadingOrder {
  return READING_ORDERS.includes(value as ReadingOrder);
}

/**
 * Each order pages one way: `before` back in time from the newest, `after` forward from the
 * oldest. A cursor given for the other order is refused rather than ignored, so a link built
 * wrongly shows an error instead of entries the reader did not ask for.
 */
export function checkPagingCursor(
  order: ReadingOrder,
  cursor: { before?: number; after?: number },
): void {
  if (order === 'oldest' && cursor.before !== undefined) {
    throw new InvalidInputError('before pages entries newest first: with order=oldest, use after');
  }
  if (order === 'newest' && cursor.after !== undefined) {
    throw new InvalidInputError('after pages entries oldest first: use it with order=oldest');
  }
}
