import { Controller, Get, Param, Render, Req, UseInterceptors } from '@nestjs/common';
import type { Request } from 'express';
import { readReaderId } from '../counters/reader-cookie';
import { ViewCounter } from '../counters/view-counter.service';
import { Public } from '../auth/public.decorator';
import type { ReadingOrder } from '../posts/reading-order';
import { IdParam, OptionalIdQuery } from '../validation/id-param.pipe';
import { ReadingOrderQuery } from './reading-order.pipe';
import { BlogPageMeta, PermalinkPageMeta } from './page-meta.interceptor';
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
  @UseInterceptors(BlogPageMeta)
  blog(
    @Param('slug') slug: string,
    @ReadingOrderQuery() order: ReadingOrder,
    @OptionalIdQuery('before') before?: number,
    @OptionalIdQuery('after') after?: number,
  ): Promise<BlogPage> {
    return this.siteService.blog(slug, before, order, after);
  }

  /** An entry's permalink; opening it counts a view (once per reader). */
  @Get('blogs/:slug/posts/:id')
  @Render('pages/post')
  @UseInterceptors(PermalinkPageMeta)
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
