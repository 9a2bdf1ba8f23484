import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { PreviewDto } from './dto/preview.dto';
import { renderMarkdown } from './markdown';
import { RateLimit } from '../rate-limits/rate-limit.decorator';

/** The composer's live preview, by the same renderer as publishing, so both always agree. */
@RateLimit('writes')
@Controller('api/preview')
export class PreviewController {
  @Post()
  @HttpCode(200)
  preview(@Body() dto: PreviewDto): { html: string } {
    return { html: renderMarkdown(dto.body) };
  }
}
