import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { parsePositiveInt } from '../../validation/id-param.pipe';

// Anything but a plain positive integer stays as given, and fails IsInt with a clear message.
const toPositiveInt = ({ value }: { value: unknown }) => parsePositiveInt(value) ?? value;

export class ListPostsQuery {
  /** Entries older than this one (its id), for "load older". */
  @IsOptional()
  @Transform(toPositiveInt)
  @IsInt({ message: 'before must be a positive integer' })
  before?: number;

  @IsOptional()
  @Transform(toPositiveInt)
  @IsInt({ message: 'limit must be an integer from 1 to 100' })
  @Min(1, { message: 'limit must be an integer from 1 to 100' })
  @Max(100, { message: 'limit must be an integer from 1 to 100' })
  limit: number = 20;
}
