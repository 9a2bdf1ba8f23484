import { Injectable, OnModuleInit } from '@nestjs/common';
import { BlogsService } from '../blogs/blogs.service';
import { MetricsService, type OpenStreams, type StreamBacklog } from '../metrics/metrics.service';
import { StreamService } from './stream.service';

/** Tells each scrape of the metrics what the open streams of this process look like. */
@Injectable()
export class StreamMetrics implements OnModuleInit, OpenStreams {
  constructor(
    private readonly metrics: MetricsService,
    private readonly streamService: StreamService,
    private readonly blogsService: BlogsService,
  ) {}

  onModuleInit(): void {
    this.metrics.reportOpenStreams(this);
  }

  byBlog(): ReadonlyMap<number, number> {
    return this.streamService.openStreamsByBlog();
  }

  /** Every stream came through the blog's slug, so it is known; the id only if it is not. */
  labelOf(blogId: number): string {
    return this.blogsService.knownSlugOf(blogId) ?? String(blogId);
  }

  backlog(): StreamBacklog {
    return this.streamService.backlog();
  }
}
