import {
  CallHandler,
  ExecutionContext,
  Inject,
  Injectable,
  NestInterceptor,
  PayloadTooLargeException,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import type { Observable } from 'rxjs';
import { AppConfig } from '../config/app-config';

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
