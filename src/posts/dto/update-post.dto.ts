import { IsBoolean, IsIn, IsInt, Min } from 'class-validator';
import {
  CreditId,
  MarkdownText,
  Moment,
  Optional,
  OptionalText,
  TitleText,
} from '../../validation/text.decorators';
import { POST_STATUSES, type PostStatus } from '../post.entity';
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

  /**
   * `published` publishes a draft or scheduled entry (readers get a `post`); `draft` takes a
   * published entry back (readers get a `delete`) or unschedules one; `scheduled` with publishAt.
   */
  @Optional()
  @IsIn(POST_STATUSES, { message: 'status must be published, draft or scheduled' })
  status?: PostStatus;

  @Moment()
  publishAt?: string;

  /** true hands a draft to the review queue; false takes it out (with reviewNote: sends it back). */
  @Optional()
  @IsBoolean()
  submitted?: boolean;

  /** The editor's note to the author of a draft sent back. */
  @OptionalText(1000)
  reviewNote?: string;

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
