import { Controller, Get, Header, Req } from '@nestjs/common';
import type { Request } from 'express';
import { Public } from '../auth/public.decorator';
import { AppConfig } from '../config/app-config';
import { SearchEnginesService } from './search-engines.service';
import { siteLinks } from './site-links';

/**
 * robots.txt and sitemap.xml. Both name absolute URLs: of PUBLIC_URL, else of the host asked.
 * Cached briefly by anyone: crawlers fetch them now and then, and a new blog may wait minutes.
 */
@Public()
@Controller()
export class SearchEnginesController {
  constructor(
    private readonly searchEngines: SearchEnginesService,
    private readonly config: AppConfig,
  ) {}

  @Get('robots.txt')
  @Header('Content-Type', 'text/plain; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=3600')
  robots(@Req() request: Request): string {
    return this.searchEngines.robots(siteLinks(this.config.PUBLIC_URL, request));
  }

  @Get('sitemap.xml')
  @Header('Content-Type', 'application/xml; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=300')
  sitemap(@Req() request: Request): Promise<string> {
    return this.searchEngines.sitemap(siteLinks(this.config.PUBLIC_URL, request));
  }
}
