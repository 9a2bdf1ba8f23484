import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { BLOG_STATUSES, type BlogStatus } from '../blog.entity';
import type { BlogView } from '../blog-view';

/** BlogView as the API docs show it; `implements` keeps the two alike. */
@ApiSchema({ name: 'Blog' })
export class BlogResponse implements BlogView {
  @ApiProperty({ type: 'integer', example: 1 })
  id!: number;

  @ApiProperty({ description: 'Its address: `/blogs/<slug>`; never changes.', example: 'final' })
  slug!: string;

  @ApiProperty({ example: 'Cup final' })
  title!: string;

  @ApiProperty({ description: 'Empty when there is none.' })
  description!: string;

  @ApiProperty({ enum: BLOG_STATUSES, description: 'An ended blog takes no new entries.' })
  status!: BlogStatus;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

export class BlogAnswer {
  @ApiProperty()
  blog!: BlogResponse;
}

export class BlogListAnswer {
  @ApiProperty({ type: [BlogResponse], description: 'Live ones first, then ended ones.' })
  blogs!: BlogResponse[];
}
