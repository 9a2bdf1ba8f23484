import { IsBoolean } from 'class-validator';
import { MarkdownText, Optional } from '../../validation/text.decorators';

/** Long enough for a long-read entry, short enough that rendering it stays instant. */
export const POST_BODY_MAX_LENGTH = 20_000;

export class CreatePostDto {
  @MarkdownText(POST_BODY_MAX_LENGTH)
  body!: string;

  @Optional()
  @IsBoolean()
  pinned?: boolean;

  @Optional()
  @IsBoolean()
  keyEvent?: boolean;
}
