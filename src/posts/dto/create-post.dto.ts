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

/** An entry's status as a query or a body gives it. */
export const PostStatusField = () =>
  IsIn(POST_STATUSES, { message: 'status must be published, draft or scheduled' });

/** What a new entry and a change of one may both say, each field optional. */
export class EntryFields {
  /** Empty means none (and removes the title in a change). */
  @TitleText(POST_TITLE_MAX_LENGTH)
  title?: string;

  /** A user of this site the entry is credited to; null for none (removes it in a change). */
  @CreditId()
  creditId?: number | null;

  /**
   * `published` (a new entry's default, a contributor's is `draft`), `draft` or `scheduled`.
   * In a change, `published` publishes a draft or scheduled entry (readers get a `post`) and
   * `draft` takes a published entry back (readers get a `delete`) or unschedules one.
   */
  @Optional()
  @PostStatusField()
  status?: PostStatus;

  /** When a scheduled entry is published. */
  @Moment()
  publishAt?: string;

  /** true hands a draft to the review queue; false takes it out (with reviewNote: sends it back). */
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

export class CreatePostDto extends EntryFields {
  @MarkdownText(POST_BODY_MAX_LENGTH)
  body!: string;
}
