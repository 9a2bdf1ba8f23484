import { Controller, Headers, Param, Query, Req, Sse } from '@nestjs/common';
import type { Request } from 'express';
import type { Observable } from 'rxjs';
import { Public } from '../auth/public.decorator';
import { BlogsService } from '../blogs/blogs.service';
import { readCursor } from './stream-cursor';
import { StreamService } from './stream.service';

export const STREAM_ROUTE = 'blogs/:slug/events';

@Public()
@Controller()
export class StreamController {
  constructor(
    private readonly blogsService: BlogsService,
    private readonly streamService: StreamService,
  ) {}

  /** A blog's live stream; an unknown blog is a 404 before any stream starts. */
  @Sse(STREAM_ROUTE)
  async follow(
    @Param('slug') slug: string,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Query('after') after: unknown,
    @Req() request: Request,
  ): Promise<Observable<never>> {
    const blog = await this.blogsService.findBySlug(slug);
    return this.streamService.follow(blog.id, readCursor(lastEventId, after), request.res!);
  }
}
