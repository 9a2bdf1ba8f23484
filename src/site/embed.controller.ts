import { Controller, Get, Header, Param, Render } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Public } from '../auth/public.decorator';
import { PROJECT_ROOT } from '../project-root';
import { OptionalIdQuery } from '../validation/id-param.pipe';
import type { ReadingOrder } from '../posts/reading-order';
import { EMBED_LAYOUT } from './embed-page';
import { ReadingOrderQuery } from './reading-order.pipe';
import { BlogPage, SiteService } from './site.service';

/** The script other sites load, read once: it is a few KB and changes only with a release. */
const EMBED_SCRIPT = readFileSync(join(PROJECT_ROOT, 'public', 'js', 'embed.js'), 'utf8');

export interface EmbedPage extends BlogPage {
  layout: string;
  embedded: true;
}

/** A blog on other sites: the script they paste, and the page it frames. */
@Public()
@Controller()
export class EmbedController {
  constructor(private readonly siteService: SiteService) {}

  /** The reader page without the site's header and footer, for embed.js's iframe. */
  @Get('blogs/:slug/embed')
  @Render('pages/blog')
  async embed(
    @Param('slug') slug: string,
    @ReadingOrderQuery() order: ReadingOrder,
    @OptionalIdQuery('before') before?: number,
    @OptionalIdQuery('after') after?: number,
  ): Promise<EmbedPage> {
    const page = await this.siteService.blog(slug, before, order, after);
    return { ...page, pagePath: `${page.pagePath}/embed`, layout: EMBED_LAYOUT, embedded: true };
  }

  /**
   * `<script src="…/embed.js" data-blog="<slug>" async>`. Other sites load it by this fixed
   * URL, so it is kept an hour then revalidated (Express answers 304 by its ETag), and may
   * be loaded from any origin.
   */
  @Get('embed.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=3600')
  @Header('Cross-Origin-Resource-Policy', 'cross-origin')
  script(): string {
    return EMBED_SCRIPT;
  }
}
