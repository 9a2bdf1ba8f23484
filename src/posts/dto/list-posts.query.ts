import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, Max, Min } from 'class-validator';
import type { PostStatus } from '../post.entity';
import { PostStatusField } from './create-post.dto';
import { parsePositiveInt } from '../../validation/id-param.pipe';

// Anything but a plain positive integer stays as given, and fails IsInt with a clear message.
const toPositiveInt = ({ value }: { value: unknown }) => parsePositiveInt(value) ?? value;
// Only the words: anything else ("1", "yes", "") stays as given and fails IsBoolean.
const toBoolean = ({ value }: { value: unknown }) =>
  value === 'true' ? true : value === 'false' ? false : value;

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

  /** `true`: only key events (the reader page reloads its list so); `false`: only the others. */
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'keyEvent must be true or false' })
  keyEvent?: boolean;

  /** `draft` or `scheduled` lists what readers do not see: signed in only. */
  @IsOptional()
  @PostStatusField()
  status: PostStatus = 'published';
}
