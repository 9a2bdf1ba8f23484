import { BadRequestException, Injectable, PipeTransform, Query } from '@nestjs/common';
import { isReadingOrder, READING_ORDER_MESSAGE, ReadingOrder } from '../posts/reading-order';

/** A page's `order` query: `newest` (also when there is none) or `oldest`, else 400. */
@Injectable()
export class ReadingOrderPipe implements PipeTransform<unknown, ReadingOrder> {
  transform(value: unknown): ReadingOrder {
    if (value === undefined) return 'newest';
    if (!isReadingOrder(value)) throw new BadRequestException(READING_ORDER_MESSAGE);
    return value;
  }
}

export const ReadingOrderQuery = () => Query('order', ReadingOrderPipe);
