import { BadRequestException, Body, Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { Public } from '../auth/public.decorator';
import { BlogsService } from '../blogs/blogs.service';
import { ReportViewsDto } from './dto/report-views.dto';
import { readReaderId } from './reader-cookie';
import { ViewCounter } from './view-counter.service';
import { RateLimit } from '../rate-limits/rate-limit.decorator';

/** The reader page's beacon: which entries this reader has had on screen. */
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
