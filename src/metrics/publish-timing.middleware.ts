import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { performance } from 'node:perf_hooks';
import { MetricsService } from './metrics.service';

/**
 * Times the entry writes it is applied to (`liveblog_publish_request_seconds`), from the
 * request reaching its route to the last byte of the answer, labelled by method, route
 * pattern (never the URL: a slug or id per series would grow without bound) and status class;
 * a write whose client went before its answer (it gave up waiting) is timed until then, as
 * `aborted`.
 */
@Injectable()
export class PublishTimingMiddleware implements NestMiddleware {
  constructor(private readonly metrics: MetricsService) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const start = performance.now();
    // 'finish' once the answer is sent; 'close' follows it, or comes alone when the client
    // went first. Timed once, at whichever comes first.
    let timed = false;
    const time = () => {
      if (timed) return;
      timed = true;
      const labels = {
        method: request.method,
        route: (request.route as { path?: string } | undefined)?.path ?? 'none',
        status: response.writableFinished
          ? `${Math.floor(response.statusCode / 100)}xx`
          : 'aborted',
      };
      this.metrics.publishRequestSeconds.observe(labels, (performance.now() - start) / 1000);
    };
    response.once('finish', time);
    response.once('close', time);
    next();
  }
}
