import { IsIn } from 'class-validator';
import { BLOG_STATUSES, type BlogStatus } from '../../blogs/blog.entity';

export class BlogStatusDto {
  @IsIn(BLOG_STATUSES)
  status!: BlogStatus;
}
