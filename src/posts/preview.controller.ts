import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../api-docs/api-errors.decorator';
import { BlogsService } from '../blogs/blogs.service';
import { RateLimit } from '../rate-limits/rate-limit.decorator';
import { PreviewAnswer } from './dto/post.response';
import { PreviewDto } from './dto/preview.dto';
import { EntryRenderer } from './entry-renderer';

/** The composer's live preview, by the same renderer as publishing, so both always agree. */
@ApiTags('Entries')
@RateLimit('writes')
@Controller('api/preview')
export class PreviewController {
  constructor(
    private readonly entryRenderer: EntryRenderer,
    private readonly blogsService: BlogsService,
  ) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Preview an entry',
    description: 'The Markdown rendered exactly as publishing it in `blog` would; nothing stored.',
  })
  @ApiOkResponse({ type: PreviewAnswer })
  @ApiErrors({ 400: 'Bad input; the message says what.', 404: 'No such blog.' })
  async preview(@Body() dto: PreviewDto): Promise<{ html: string }> {
    const blogId = dto.blog === undefined ? undefined : await this.blogsService.idBySlug(dto.blog);
    return { html: await this.entryRenderer.render(dto.body, blogId) };
  }
}
