import { IsBoolean, IsInt, Min } from 'class-validator';
import { CreditId, MarkdownText, Optional, TitleText } from '../../validation/text.decorators';
import { POST_BODY_MAX_LENGTH, POST_TITLE_MAX_LENGTH } from './create-post.dto';

export class UpdatePostDto {
  /** Empty removes the title. */
  @TitleText(POST_TITLE_MAX_LENGTH)
  title?: string;

  /** null removes the credit. */
  @CreditId()
  creditId?: number | null;
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
