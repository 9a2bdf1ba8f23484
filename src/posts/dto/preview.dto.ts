import { IsOptional, IsString, MaxLength } from 'class-validator';
import { POST_BODY_MAX_LENGTH } from './create-post.dto';

export class PreviewDto {
  @IsString()
  @MaxLength(POST_BODY_MAX_LENGTH)
  body!: string;

  /** The blog the entry is for: its uploaded photos are shown as they will be. */
  @IsOptional()
  @IsString()
  @MaxLength(100)
  blog?: string;
}
