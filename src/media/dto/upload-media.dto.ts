import { IsOptional, IsString, MaxLength } from 'class-validator';

/** The form fields that come with an uploaded photo. */
export class UploadMediaDto {
  /** What the photo shows, for readers who cannot see it. */
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  alt?: string;
}
