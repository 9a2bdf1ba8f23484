import {
  Body,
  Controller,
  Get,
  NotFoundException,
  Param,
  Post,
  Res,
  UploadedFile,
} from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiErrors } from '../api-docs/api-errors.decorator';
import { Audited } from '../auth/audit-log.interceptor';
import { CurrentUser } from '../auth/current-user.decorator';
import { Public } from '../auth/public.decorator';
import { User } from '../auth/user.entity';
import { RateLimit } from '../rate-limits/rate-limit.decorator';
import { MediaAnswer } from './dto/media.response';
import { UploadMediaDto, UploadMediaForm } from './dto/upload-media.dto';
import { MediaService } from './media.service';
import { MediaView } from './media-view';
import { PhotoUpload } from './photo-upload.interceptor';

/** `<id>-<hash>` and `<width>.<extension>`: the two parts of a stored file's URL. */
const FILE_REF = /^(\d{1,9})-([0-9a-f]{12})$/;
const FILE_NAME = /^(\d{1,5})\.([a-z]{3,4})$/;

@ApiTags('Photos')
@Controller()
export class MediaController {
  constructor(private readonly mediaService: MediaService) {}

  @RateLimit('writes')
  @Audited()
  @Post('api/blogs/:slug/media')
  @PhotoUpload(UploadMediaForm)
  @ApiOperation({
    summary: 'Upload a photo to a blog',
    description:
      'Stored upright, without metadata, in the widths 480, 960 and 1600 (none wider than the original), as WebP and a fallback. `![alt](/media/<id>)` in an entry of this blog shows it.',
  })
  @ApiCreatedResponse({ type: MediaAnswer })
  @ApiErrors({ 404: 'No such blog.' })
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
