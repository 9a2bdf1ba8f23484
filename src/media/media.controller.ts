import {
  Body,
  Controller,
  Get,
  NotFoundException,
  Param,
  Post,
  Res,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import type { Response } from 'express';
import { Audited } from '../auth/audit-log.interceptor';
import { CurrentUser } from '../auth/current-user.decorator';
import { Public } from '../auth/public.decorator';
import { User } from '../auth/user.entity';
import { RateLimit } from '../rate-limits/rate-limit.decorator';
import { UploadMediaDto } from './dto/upload-media.dto';
import { MediaService } from './media.service';
import { MediaView } from './media-view';
import { PhotoUploadInterceptor } from './photo-upload.interceptor';

/** `<id>-<hash>` and `<width>.<extension>`: the two parts of a stored file's URL. */
const FILE_REF = /^(\d{1,9})-([0-9a-f]{12})$/;
const FILE_NAME = /^(\d{1,5})\.([a-z]{3,4})$/;

@Controller()
export class MediaController {
  constructor(private readonly mediaService: MediaService) {}

  @RateLimit('writes')
  @Audited()
  @Post('api/blogs/:slug/media')
  @UseInterceptors(PhotoUploadInterceptor)
  async upload(
    @Param('slug') slug: string,
    @CurrentUser() user: User,
    @UploadedFile() file: { buffer: Buffer } | undefined,
    @Body() dto: UploadMediaDto,
  ): Promise<{ media: MediaView }> {
    return { media: await this.mediaService.upload(slug, user, file?.buffer, dto.alt) };
  }

  /** A URL never names other bytes (see Media.hash): cached for a year, never revalidated. */
  @Public()
  @Get('media/:ref/:name')
  async file(
    @Param('ref') ref: string,
    @Param('name') name: string,
    @Res() response: Response,
  ): Promise<void> {
    const [, id, hash] = FILE_REF.exec(ref) ?? [];
    const [, width, extension] = FILE_NAME.exec(name) ?? [];
    const file =
      id && width ? await this.mediaService.file(Number(id), hash, Number(width), extension) : null;
    if (!file) throw new NotFoundException('No such photo');
    response
      .type(file.mime)
      .set('Cache-Control', 'public, max-age=31536000, immutable')
      .send(file.bytes);
  }
}
