import { ApiProperty } from '@nestjs/swagger';
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
  @ApiProperty({
    maxLength: SLUG_MAX_LENGTH,
    description:
      'Lower-cased; words of letters and digits joined by single hyphens. Without one, one is made from the title (`-2`, `-3`… when taken). Never changes.',
    example: 'cup-final-2025',
  })
  slug?: string;

  @OptionalText(2000)
  description?: string;
}
