import { IsBoolean, IsInt, Min } from 'class-validator';
import { MarkdownText, Optional } from '../../validation/text.decorators';
import { POST_BODY_MAX_LENGTH } from './create-post.dto';

export class UpdatePostDto {
  @Optional()
  @MarkdownText(POST_BODY_MAX_LENGTH)
  body?: string;

  @Optional()
  @IsBoolean()
  pinned?: boolean;

  @Optional()
  @IsBoolean()
  keyEvent?: boolean;

  /** The version the editor started from; a newer one on the server is a 409. */
  @Optional()
  @IsInt()
  @Min(1)
  version?: number;
}
