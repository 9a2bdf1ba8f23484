import { Controller, Get, Param, Render, Req } from '@nestjs/common';
import type { Request } from 'express';
import { readReaderId } from '../counters/reader-cookie';
import { ViewCounter } from '../counters/view-counter.service';
import { Public } from '../auth/public.decorator';
import { IdParam, OptionalIdQuery } from '../validation/id-param.pipe';
import { BlogPage, HomePage, PermalinkPage, SiteService } from './site.service';

/** The reader pages, rendered on the server and complete without JavaScript. */
@Public()
@Controller()
export class SiteController {
  constructor(
    private readonly siteService: SiteService,
    private readonly viewCounter: ViewCounter,
  ) {}

  @Get()
  @Render('pages/home')
  home(): Promise<HomePage> {
    return this.siteService.home();
  }

  @Get('blogs/:slug')
  @Render('pages/blog')
  blog(@Param('slug') slug: string, @OptionalIdQuery('before') before?: number): Promise<BlogPage> {
    return this.siteService.blog(slug, before);
  }

  /** An entry's permalink; opening it counts a view (once per reader). */
  @Get('blogs/:slug/posts/:id')
  @Render('pages/post')
  async permalink(
    @Param('slug') slug: string,
    @IdParam() id: number,
    @Req() request: Request,
  ): Promise<PermalinkPage> {
    const page = await this.siteService.permalink(slug, id);
    const readerId = readReaderId(request);
    if (readerId) this.viewCounter.record(readerId, page.post.id);
    return page;
  }
}
