import { IsString, MaxLength } from 'class-validator';
import { POST_BODY_MAX_LENGTH } from './create-post.dto';

export class PreviewDto {
  @IsString()
  @MaxLength(POST_BODY_MAX_LENGTH)
  body!: string;
}
