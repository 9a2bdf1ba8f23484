import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { Optional, OptionalText, RequiredText } from '../../validation/text.decorators';
import { BLOG_STATUSES, type BlogStatus } from '../blog.entity';

export class UpdateBlogDto {
  @Optional()
  @RequiredText(200)
  title?: string;

  @OptionalText(2000)
  description?: string;

  @Optional()
  @IsIn(BLOG_STATUSES)
  @ApiProperty({ enum: BLOG_STATUSES, description: '`ended` ends the blog, `live` restarts it.' })
  status?: BlogStatus;
}
