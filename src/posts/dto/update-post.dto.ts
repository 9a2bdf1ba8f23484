import { IsInt, Min } from 'class-validator';
import { MarkdownText, Optional, OptionalText } from '../../validation/text.decorators';
import { EntryFields, POST_BODY_MAX_LENGTH } from './create-post.dto';

export class UpdatePostDto extends EntryFields {
  @Optional()
  @MarkdownText(POST_BODY_MAX_LENGTH)
  body?: string;

  /** The editor's note to the author of a draft sent back. */
  @OptionalText(1000)
  reviewNote?: string;

  /** The version the editor started from; a newer one on the server is a 409. */
  @Optional()
  @IsInt()
  @Min(1)
  version?: number;
}
