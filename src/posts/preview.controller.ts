import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { MediaService } from '../media/media.service';
import { PreviewDto } from './dto/preview.dto';
import { renderMarkdown } from './markdown';
import { RateLimit } from '../rate-limits/rate-limit.decorator';

/** The composer's live preview, by the same renderer as publishing, so both always agree. */
@RateLimit('writes')
@Controller('api/preview')
export class PreviewController {
  constructor(private readonly mediaService: MediaService) {}

  @Post()
  @HttpCode(200)
  async preview(@Body() dto: PreviewDto): Promise<{ html: string }> {
    return { html: renderMarkdown(dto.body, await this.mediaService.referencedIn(dto.body)) };
  }
}
