import { IsIn, IsOptional } from 'class-validator';
import { OptionalText, RequiredText } from '../../validation/text.decorators';
import { BLOG_STATUSES, type BlogStatus } from '../blog.entity';

export class UpdateBlogDto {
  @IsOptional()
  @RequiredText(200)
  title?: string;

  @OptionalText(2000)
  description?: string;

  @IsOptional()
  @IsIn(BLOG_STATUSES)
  status?: BlogStatus;
}
