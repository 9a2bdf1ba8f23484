import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

/** The form fields that come with an uploaded photo. */
export class UploadMediaDto {
  @ApiPropertyOptional({
    maxLength: 1000,
    description: 'What the photo shows, for readers who cannot see it.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  alt?: string;
}

/**
 * The multipart field that PhotoUploadInterceptor reads, as the API docs show it (the
 * interceptor, not validation, takes the file).
 */
export class PhotoFileForm {
  @ApiProperty({
    type: 'string',
    format: 'binary',
    description:
      'The image: JPEG, PNG, WebP or GIF, judged by its content; up to MEDIA_MAX_BYTES (15 MB by default).',
  })
  file!: unknown;
}

/** A photo upload's whole form, for the API docs. */
export class UploadMediaForm extends IntersectionType(PhotoFileForm, UploadMediaDto) {}
