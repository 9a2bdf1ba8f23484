import { Controller, Headers, Param, Query, Req, Sse, SSE_ABORT_CONTROLLER } from '@nestjs/common';
import type { Request } from 'express';
import { EMPTY, type Observable } from 'rxjs';
import { Public } from '../auth/public.decorator';
import { BlogsService } from '../blogs/blogs.service';
import { readCursor } from './stream-cursor';
import { StreamService } from './stream.service';
import { StreamsPerAddress } from './streams-per-address';

export const STREAM_ROUTE = 'blogs/:slug/events';
const STREAM_PATH = /^\/blogs\/[^/]+\/events$/;

export function isStreamRequest(request: Request): boolean {
  return request.method === 'GET' && STREAM_PATH.test(request.path);
}

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
   * a 429, before any stream starts. The stream is then the StreamService's: the Observable
   * handed to Nest completes at once, so Nest's per-connection SSE machinery (a Transform
   * stream, an RxJS chain, a probe timer, a pending promise) is released right away instead
   * of being held by each of tens of thousands of readers (see SseTransportMiddleware).
   */
  @Sse(STREAM_ROUTE)
  async follow(
    @Param('slug') slug: string,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Query('after') after: unknown,
    @Req() request: Request,
  ): Promise<Observable<never>> {
    const blogId = await this.blogsService.idBySlug(slug);
    const cursor = readCursor(lastEventId, after);
    const release = this.streamsPerAddress.admit(request.ip ?? '');
    this.streamService.open(blogId, cursor, request.res!, release);
    // Nest keeps an AbortController on the request, which lives as long as the connection;
    // once aborted, its reason's stack trace holds on to everything Nest built for the stream.
    // (Set aside rather than deleted: a deleted property turns the request into a hash table.)
    (request as Request & { [SSE_ABORT_CONTROLLER]?: AbortController })[SSE_ABORT_CONTROLLER] =
      undefined;
    return EMPTY;
  }
}
