import { IsBoolean } from 'class-validator';
import { CreditId, MarkdownText, Optional, TitleText } from '../../validation/text.decorators';

/** Long enough for a long-read entry, short enough that rendering it stays instant. */
export const POST_BODY_MAX_LENGTH = 20_000;

/** A headline, not a paragraph: it must fit a line of the key events list and a search result. */
export const POST_TITLE_MAX_LENGTH = 200;

export class CreatePostDto {
  /** Empty means none. */
  @TitleText(POST_TITLE_MAX_LENGTH)
  title?: string;

  @MarkdownText(POST_BODY_MAX_LENGTH)
  body!: string;

  /** A user of this site the entry is credited to; null for none. */
  @CreditId()
  creditId?: number | null;

  @Optional()
  @IsBoolean()
  pinned?: boolean;

  @Optional()
  @IsBoolean()
  keyEvent?: boolean;
}
