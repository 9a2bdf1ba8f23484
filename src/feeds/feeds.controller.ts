import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Public } from '../auth/public.decorator';
import { AppConfig } from '../config/app-config';
import { siteLinks } from '../site/site-links';
import { ATOM_CONTENT_TYPE } from './atom-feed';
import { FeedsService } from './feeds.service';

/**
 * Feed readers poll every few minutes, most of them finding nothing new: anyone may cache a
 * feed for a minute (a proxy or CDN in front then answers a crowd of pollers from one copy,
 * and a minute late is soon enough for a reader that is not the live page), and a conditional
 * request is answered 304 from one small query, before any entry is read.
 */
const FEED_CACHE_CONTROL = 'public, max-age=60';

@Public()
@Controller()
export class FeedsController {
  constructor(
    private readonly feedsService: FeedsService,
    private readonly config: AppConfig,
  ) {}

  @Get('blogs/:slug/feed.atom')
  async atom(
    @Param('slug') slug: string,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const links = siteLinks(this.config.PUBLIC_URL, request);
    const version = await this.feedsService.version(slug, links);
    response.set({
      'Content-Type': ATOM_CONTENT_TYPE,
      'Cache-Control': FEED_CACHE_CONTROL,
      ETag: version.etag,
    });
    // Last-Modified has whole seconds: one of this very second could be followed by another
    // change within it, which a client asking If-Modified-Since would then never see.
    if (wholeSeconds(version.lastModified) < wholeSeconds(new Date())) {
      response.set('Last-Modified', version.lastModified.toUTCString());
    }
    // Express's freshness check: If-None-Match against the ETag (it wins when both are
    // sent), else If-Modified-Since against Last-Modified.
    if (request.fresh) {
      response.status(304).end();
      return;
    }
    response.send(await this.feedsService.atom(version, links));
  }
}

function wholeSeconds(time: Date): number {
  return Math.floor(time.getTime() / 1000);
}
