import { Controller, Headers, Param, Query, Req, Sse } from '@nestjs/common';
import type { Request } from 'express';
import type { Observable } from 'rxjs';
import { Public } from '../auth/public.decorator';
import { BlogsService } from '../blogs/blogs.service';
import { readCursor } from './stream-cursor';
import { StreamService } from './stream.service';
import { StreamsPerAddress } from './streams-per-address';

export const STREAM_ROUTE = 'blogs/:slug/events';

@Public()
@Controller()
export class StreamController {
  constructor(
    private readonly blogsService: BlogsService,
    private readonly streamService: StreamService,
    private readonly streamsPerAddress: StreamsPerAddress,
  ) {}

  /**
   * A blog's live stream; an unknown blog is a 404, and a client with too many streams open
   * a 429, before any stream starts.
   */
  @Sse(STREAM_ROUTE)
  async follow(
    @Param('slug') slug: string,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Query('after') after: unknown,
    @Req() request: Request,
  ): Promise<Observable<never>> {
    const blog = await this.blogsService.findBySlug(slug);
    const cursor = readCursor(lastEventId, after);
    const release = this.streamsPerAddress.admit(request.ip ?? '');
    return this.streamService.follow(blog.id, cursor, request.res!, release);
  }
}
