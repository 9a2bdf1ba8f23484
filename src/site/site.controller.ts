import { Controller, Get, Param, Render } from '@nestjs/common';
import { Public } from '../auth/public.decorator';
import { IdParam, OptionalIdQuery } from '../validation/id-param.pipe';
import { BlogPage, HomePage, PermalinkPage, SiteService } from './site.service';

/** The reader pages, rendered on the server and complete without JavaScript. */
@Public()
@Controller()
export class SiteController {
  constructor(private readonly siteService: SiteService) {}

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

  @Get('blogs/:slug/posts/:id')
  @Render('pages/post')
  permalink(@Param('slug') slug: string, @IdParam() id: number): Promise<PermalinkPage> {
    return this.siteService.permalink(slug, id);
  }
}
