import {
  applyDecorators,
  CallHandler,
  ExecutionContext,
  Inject,
  Injectable,
  NestInterceptor,
  PayloadTooLargeException,
  type Type,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiBody, ApiConsumes } from '@nestjs/swagger';
import { ApiErrors } from '../api-docs/api-errors.decorator';
import type { Observable } from 'rxjs';
import { AppConfig } from '../config/app-config';
import { PhotoFileForm } from './dto/upload-media.dto';

// Its limits come from the constructor below: local options would replace them whole.
const MultipartFile = FileInterceptor('file');

/** The multipart field `file`, held in memory, refused with a clear 413 over MEDIA_MAX_BYTES. */
@Injectable()
export class PhotoUploadInterceptor implements NestInterceptor {
  private readonly multipart: NestInterceptor;

  constructor(@Inject(AppConfig) private readonly config: AppConfig) {
    this.multipart = new MultipartFile({
      limits: { files: 1, fields: 4, fileSize: config.MEDIA_MAX_BYTES },
    });
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    try {
      return await this.multipart.intercept(context, next);
    } catch (error) {
      if (!(error instanceof PayloadTooLargeException)) throw error;
      const megabytes = Math.round((this.config.MEDIA_MAX_BYTES / 1024 / 1024) * 10) / 10;
      throw new PayloadTooLargeException(
        `The file is larger than ${megabytes} MB, the most this server takes (MEDIA_MAX_BYTES)`,
      );
    }
  }
}

/**
 * A route that takes a photo as the multipart field `file` (and `form`'s other fields), with
 * what a photo may be refused for in the API docs (media/image-processing.ts).
 */
export const PhotoUpload = (form: Type = PhotoFileForm) =>
  applyDecorators(
    UseInterceptors(PhotoUploadInterceptor),
    ApiConsumes('multipart/form-data'),
    ApiBody({ type: form }),
    ApiErrors({
      400: 'No file, or one that starts like an image but does not decode, or has more than 100 million pixels.',
      413: 'The file is over MEDIA_MAX_BYTES (15 MB by default).',
      415: 'Not a JPEG, PNG, WebP or GIF image, judged by its content.',
      503: 'Several other photos wait to be resized on this process: upload it again in a moment.',
    }),
  );
