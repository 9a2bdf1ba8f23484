import { IsBoolean, IsIn } from 'class-validator';
import {
  CreditId,
  MarkdownText,
  Moment,
  Optional,
  TitleText,
} from '../../validation/text.decorators';
import { POST_STATUSES, type PostStatus } from '../post.entity';

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

  /** `published` (the default; a contributor's default is `draft`), `draft` or `scheduled`. */
  @Optional()
  @IsIn(POST_STATUSES, { message: 'status must be published, draft or scheduled' })
  status?: PostStatus;

  /** When a scheduled entry is published. */
  @Moment()
  publishAt?: string;

  /** A draft handed to the editors' review queue. */
  @Optional()
  @IsBoolean()
  submitted?: boolean;

  @Optional()
  @IsBoolean()
  pinned?: boolean;

  @Optional()
  @IsBoolean()
  keyEvent?: boolean;
}
