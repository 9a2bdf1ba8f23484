import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { BlogsService } from '../blogs/blogs.service';
import { RateLimit } from '../rate-limits/rate-limit.decorator';
import { PreviewDto } from './dto/preview.dto';
import { EntryRenderer } from './entry-renderer';

/** The composer's live preview, by the same renderer as publishing, so both always agree. */
@RateLimit('writes')
@Controller('api/preview')
export class PreviewController {
  constructor(
    private readonly entryRenderer: EntryRenderer,
    private readonly blogsService: BlogsService,
  ) {}

  @Post()
  @HttpCode(200)
  async preview(@Body() dto: PreviewDto): Promise<{ html: string }> {
    const blogId = dto.blog === undefined ? undefined : await this.blogsService.idBySlug(dto.blog);
    return { html: await this.entryRenderer.render(dto.body, blogId) };
  }
}
