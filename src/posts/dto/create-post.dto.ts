import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
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
  applyDecorators(
    IsIn(POST_STATUSES, { message: 'status must be published, draft or scheduled' }),
    ApiProperty({ enum: POST_STATUSES }),
  );

/** What a new entry and a change of one may both say, each field optional. */
export class EntryFields {
  @TitleText(POST_TITLE_MAX_LENGTH)
  @ApiProperty({
    description: 'A one-line headline; empty means none (and removes it in a change).',
  })
  title?: string;

  @CreditId()
  @ApiProperty({
    description:
      'An active user other than the author the entry is credited to; null for none (removes it in a change).',
  })
  creditId?: number | null;

  @Optional()
  @PostStatusField()
  @ApiProperty({
    description:
      "`published` (a new entry's default; a contributor's is `draft`), `draft` or `scheduled` (with `publishAt`). In a change, `published` publishes a draft or scheduled entry (readers get a `post`) and `draft` takes a published entry back (readers get a `delete`) or unschedules one.",
  })
  status?: PostStatus;

  @Moment()
  @ApiProperty({
    description: 'When a scheduled entry is published: in the future, with Z or an offset.',
  })
  publishAt?: string;

  @Optional()
  @IsBoolean()
  @ApiProperty({
    description:
      'true hands a draft to the review queue; false takes it out (with reviewNote: sends it back).',
  })
  submitted?: boolean;

  @Optional()
  @IsBoolean()
  @ApiProperty({ description: 'Shown on top of the blog.' })
  pinned?: boolean;

  @Optional()
  @IsBoolean()
  @ApiProperty({ description: 'Listed among the key events.' })
  keyEvent?: boolean;
}

export class CreatePostDto extends EntryFields {
  @MarkdownText(POST_BODY_MAX_LENGTH)
  @ApiProperty({
    description:
      'Markdown; raw HTML shows as text. `![alt](/media/<id>)` shows an uploaded photo, a URL alone in a paragraph may become a video or a card.',
    example: '**Goal!** 1-0',
  })
  body!: string;
}
