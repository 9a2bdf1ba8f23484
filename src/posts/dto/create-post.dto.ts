import { IsBoolean, IsOptional } from 'class-validator';
import { RequiredText } from '../../validation/text.decorators';

/** Long enough for a long-read entry, short enough that rendering it stays instant. */
export const POST_BODY_MAX_LENGTH = 20_000;

export class CreatePostDto {
  @RequiredText(POST_BODY_MAX_LENGTH)
  body!: string;

  @IsOptional()
  @IsBoolean()
  pinned?: boolean;

  @IsOptional()
  @IsBoolean()
  keyEvent?: boolean;
}
