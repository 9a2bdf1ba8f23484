import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { POST_BODY_MAX_LENGTH } from './create-post.dto';

export class PreviewDto {
  @IsString()
  @MaxLength(POST_BODY_MAX_LENGTH)
  @ApiProperty({ maxLength: POST_BODY_MAX_LENGTH, description: "The entry's Markdown." })
  body!: string;

  @IsOptional()
  @IsString()
  @MaxLength(100)
  @ApiPropertyOptional({
    maxLength: 100,
    description: "The slug of the entry's blog: its uploaded photos are shown as they will be.",
  })
  blog?: string;
}
