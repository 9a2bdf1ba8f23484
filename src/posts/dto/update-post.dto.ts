import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Min } from 'class-validator';
import { MarkdownText, Optional, OptionalText } from '../../validation/text.decorators';
import { EntryFields, POST_BODY_MAX_LENGTH } from './create-post.dto';

export class UpdatePostDto extends EntryFields {
  @Optional()
  @MarkdownText(POST_BODY_MAX_LENGTH)
  @ApiProperty({ description: 'Markdown, as for a new entry.' })
  body?: string;

  @OptionalText(1000)
  @ApiProperty({ description: "The editor's note to the author of a draft sent back." })
  reviewNote?: string;

  @Optional()
  @IsInt()
  @Min(1)
  @ApiProperty({
    type: 'integer',
    minimum: 1,
    description:
      'The version the change was made from: applied only if the entry is still at it, else a 409 with the current entry.',
  })
  version?: number;
}
