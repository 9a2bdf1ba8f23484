import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { POST_STATUSES, type PostStatus } from '../post.entity';
import { READING_ORDER_MESSAGE, READING_ORDERS, type ReadingOrder } from '../reading-order';
import { PostStatusField } from './create-post.dto';
import { parsePositiveInt } from '../../validation/id-param.pipe';

// Anything but a plain positive integer stays as given, and fails IsInt with a clear message.
const toPositiveInt = ({ value }: { value: unknown }) => parsePositiveInt(value) ?? value;
// Only the words: anything else ("1", "yes", "") stays as given and fails IsBoolean.
const toBoolean = ({ value }: { value: unknown }) =>
  value === 'true' ? true : value === 'false' ? false : value;

export class ListPostsQuery {
  /** Entries older than this one (its id), for "load older". */
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    description: 'Only entries older than this one (its id): "Load older entries".',
  })
  @IsOptional()
  @Transform(toPositiveInt)
  @IsInt({ message: 'before must be a positive integer' })
  before?: number;

  /** Entries newer than this one (its id), with `order=oldest`, for "load newer". */
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    description: 'With `order=oldest`: only entries newer than this one (its id).',
  })
  @IsOptional()
  @Transform(toPositiveInt)
  @IsInt({ message: 'after must be a positive integer' })
  after?: number;

  /** `newest` first (the default) or `oldest` first. */
  @ApiPropertyOptional({ enum: READING_ORDERS, default: 'newest' })
  @IsOptional()
  @IsIn(READING_ORDERS, { message: READING_ORDER_MESSAGE })
  order: ReadingOrder = 'newest';

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Transform(toPositiveInt)
  @IsInt({ message: 'limit must be an integer from 1 to 100' })
  @Min(1, { message: 'limit must be an integer from 1 to 100' })
  @Max(100, { message: 'limit must be an integer from 1 to 100' })
  limit: number = 20;

  /** `true`: only key events (the reader page reloads its list so); `false`: only the others. */
  @ApiPropertyOptional({
    type: 'boolean',
    description: '`true`: only the key events; `false`: only the other entries.',
  })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'keyEvent must be true or false' })
  keyEvent?: boolean;

  /** `draft` or `scheduled` lists what readers do not see: signed in only. */
  @ApiPropertyOptional({
    enum: POST_STATUSES,
    default: 'published',
    description:
      '`draft` or `scheduled` lists what readers do not see: signed in only (a contributor gets their own); scheduled ones soonest first.',
  })
  @IsOptional()
  @PostStatusField()
  status: PostStatus = 'published';
}
