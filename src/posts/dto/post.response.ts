import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { ErrorResponse } from '../../errors/error.response';
import type { Byline, PostView } from '../../event-log/events';
import { POST_STATUSES } from '../post.entity';
import type { PostPage, PostWrite } from '../posts.service';

/*
 * The entry answers as the API docs show them: each class `implements` the type the code
 * returns, so a field added there is a compile error here until it is documented.
 */

@ApiSchema({ name: 'Byline', description: 'Who wrote an entry, or is credited on it.' })
export class BylineResponse implements Byline {
  @ApiProperty({ type: 'integer' })
  id!: number;

  @ApiProperty({ example: 'Sam Reporter' })
  name!: string;

  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'A square picture (WebP, 128 pixels), cached for a year; null for none.',
    example: '/media/41-3f9a0c2b7d1e/128.webp',
  })
  avatarUrl!: string | null;
}

@ApiSchema({ name: 'Post', description: 'An entry; the same shape as on the stream.' })
export class PostResponse implements PostView {
  @ApiProperty({ type: 'integer', example: 12 })
  id!: number;

  @ApiProperty({ type: 'integer' })
  blogId!: number;

  @ApiProperty({ type: 'string', nullable: true, description: 'A one-line headline, or null.' })
  title!: string | null;

  @ApiProperty({ description: "The editor's Markdown.", example: '**Goal!** 1-0' })
  body!: string;

  @ApiProperty({
    description: 'Its rendering, sanitized when the entry was written: safe to put in a page.',
    example: '<p><strong>Goal!</strong> 1-0</p>',
  })
  html!: string;

  @ApiProperty({ description: 'Who wrote the entry.' })
  author!: BylineResponse;

  @ApiProperty({
    type: BylineResponse,
    nullable: true,
    description: 'Another user the entry is credited to ("with <name>"), or null.',
  })
  credit!: BylineResponse | null;

  @ApiProperty({
    enum: POST_STATUSES,
    description: 'Readers only ever see `published` entries.',
  })
  status!: PostView['status'];

  @ApiProperty({
    type: 'string',
    format: 'date-time',
    nullable: true,
    description: 'When a scheduled entry is published, else null.',
  })
  publishAt!: string | null;

  @ApiProperty({
    type: 'string',
    format: 'date-time',
    nullable: true,
    description: 'When a draft was submitted for review, else null.',
  })
  submittedAt!: string | null;

  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'The note of the editor who sent a draft back, else null.',
  })
  reviewNote!: string | null;

  @ApiProperty({ description: 'Shown on top of the blog.' })
  pinned!: boolean;

  @ApiProperty({ description: 'Listed among the key events.' })
  keyEvent!: boolean;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  @ApiProperty({
    type: 'integer',
    minimum: 1,
    description: 'Starts at 1 and grows by one with every change.',
  })
  version!: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'How many readers have seen it.' })
  views!: number;
}

export class PostPageAnswer implements PostPage {
  @ApiProperty({ type: [PostResponse] })
  posts!: PostResponse[];

  @ApiProperty({
    type: 'integer',
    description:
      'The newest event id when the list was read: open the stream with `?after=` it to follow on without a gap.',
  })
  lastEventId!: number;

  @ApiProperty({
    example: 'wJ8mXq2dTn4pLb6s',
    description:
      "The database's epoch: open the stream with `&epoch=` it, and a restore from a backup resets the stream rather than resuming at ids that now mean other entries.",
  })
  epoch!: string;
}

export class PostWriteAnswer implements PostWrite {
  @ApiProperty()
  post!: PostResponse;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    description:
      'The stream event the write produced (`post`, `update` or `delete`); null when readers were told nothing (a draft or scheduled entry).',
  })
  eventId!: number | null;
}

export class PostRemovedAnswer {
  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'The `delete` event readers got; null for an entry they never saw.',
  })
  eventId!: number | null;
}

export class PreviewAnswer {
  @ApiProperty({ description: 'The Markdown rendered as publishing would; nothing is stored.' })
  html!: string;
}

/** A 409 of a change made from an older version: the entry as it is now, to compare. */
export class VersionConflictAnswer extends ErrorResponse {
  @ApiProperty({ description: 'The entry as it is now.' })
  post!: PostResponse;
}
