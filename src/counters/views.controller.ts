import { BadRequestException, Body, Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { ApiErrors } from '../api-docs/api-errors.decorator';
import { Public } from '../auth/public.decorator';
import { BlogsService } from '../blogs/blogs.service';
import { ReportViewsDto } from './dto/report-views.dto';
import { readReaderId } from './reader-cookie';
import { ViewCounter } from './view-counter.service';
import { RateLimit } from '../rate-limits/rate-limit.decorator';

/** The reader page's beacon: which entries this reader has had on screen. */
@ApiTags('Views')
@Public()
@Controller('blogs/:slug/views')
export class ViewsController {
  constructor(
    private readonly blogsService: BlogsService,
    private readonly viewCounter: ViewCounter,
  ) {}

  @Post()
  @HttpCode(204)
  @RateLimit('views')
  @ApiOperation({
    summary: 'Report the entries a reader has seen',
    description:
      'The reader page reports the entries a reader has had on screen; each reader counts once per entry. The reader is known by the `liveblog_reader` cookie the reader pages set (or, in an embed that keeps no cookie, by `readerId`). New totals reach readers as `views` stream events.',
  })
  @ApiNoContentResponse({ description: 'Counted.' })
  @ApiErrors({
    400: 'Bad input, or neither a reader cookie nor `readerId`.',
    404: 'No such blog.',
  })
  async report(
    @Param('slug') slug: string,
    @Body() dto: ReportViewsDto,
    @Req() request: Request,
  ): Promise<void> {
    const readerId = readReaderId(request) ?? dto.readerId;
    if (!readerId) {
      throw new BadRequestException(
        'No reader cookie or readerId: views are counted for readers of the blog page',
      );
    }
    const blog = await this.blogsService.findBySlug(slug);
    await this.viewCounter.report(blog.id, readerId, dto.postIds);
  }
}
