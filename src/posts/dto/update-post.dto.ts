import { IsBoolean, IsInt, IsOptional, Min } from 'class-validator';
import { RequiredText } from '../../validation/text.decorators';
import { POST_BODY_MAX_LENGTH } from './create-post.dto';

export class UpdatePostDto {
  @IsOptional()
  @RequiredText(POST_BODY_MAX_LENGTH)
  body?: string;

  @IsOptional()
  @IsBoolean()
  pinned?: boolean;

  @IsOptional()
  @IsBoolean()
  keyEvent?: boolean;

  /** The version the editor started from; a newer one on the server is a 409. */
  @IsOptional()
  @IsInt()
  @Min(1)
  version?: number;
}
