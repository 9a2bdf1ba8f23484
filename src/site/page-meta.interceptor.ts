import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import { map, mergeMap, type Observable } from 'rxjs';
import { AppConfig } from '../config/app-config';
import { PageMetaService } from './page-meta.service';
import { SiteLinks, siteLinks } from './site-links';
import type { BlogPage, PermalinkPage } from './site.service';

/*
 * Add the `meta` of a reader page (canonical link, social previews, JSON-LD: see
 * PageMetaService) to what its handler renders. They need the request's origin when PUBLIC_URL
 * is unset, which the pages themselves do not: so the pages' handlers and SiteService stay as
 * they are, and a page rendered elsewhere (the embed page) carries none.
 */

function linksOf(context: ExecutionContext, config: AppConfig): SiteLinks {
  return siteLinks(config.PUBLIC_URL, context.switchToHttp().getRequest<Request>());
}

/** For `GET /blogs/:slug`: the blog's meta, whichever of its pages is asked for. */
@Injectable()
export class BlogPageMeta implements NestInterceptor<BlogPage> {
  constructor(
    private readonly pageMeta: PageMetaService,
    private readonly config: AppConfig,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler<BlogPage>): Observable<unknown> {
    const links = linksOf(context, this.config);
    return next.handle().pipe(
      mergeMap(async (page) => ({
        ...page,
        meta: await this.pageMeta.ofBlog(page, links),
      })),
    );
  }
}

/** For `GET /blogs/:slug/posts/:id`: the entry's meta. */
@Injectable()
export class PermalinkPageMeta implements NestInterceptor<PermalinkPage> {
  constructor(
    private readonly pageMeta: PageMetaService,
    private readonly config: AppConfig,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler<PermalinkPage>): Observable<unknown> {
    const links = linksOf(context, this.config);
    return next
      .handle()
      .pipe(map((page) => ({ ...page, meta: this.pageMeta.ofPermalink(page, links) })));
  }
}
