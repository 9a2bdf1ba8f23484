import { Transform } from 'class-transformer';
import { IsString, Matches, MaxLength } from 'class-validator';
import { Optional, OptionalText, RequiredText } from '../../validation/text.decorators';
import { normalizeSlug, SLUG_MAX_LENGTH, SLUG_PATTERN } from '../slug';

export class CreateBlogDto {
  @RequiredText(200)
  title!: string;

  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? normalizeSlug(value) : value,
  )
  @Optional()
  @IsString()
  @MaxLength(SLUG_MAX_LENGTH)
  @Matches(SLUG_PATTERN, {
    message: 'slug may hold only lower-case letters and digits, in words joined by single hyphens',
  })
  slug?: string;

  @OptionalText(2000)
  description?: string;
}
