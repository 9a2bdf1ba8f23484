import { Controller, Req, Sse, UseGuards } from '@nestjs/common';
import { EMPTY, type Observable } from 'rxjs';
import { Public } from '../auth/public.decorator';
import { StreamService } from './stream.service';
import { StreamRequest, StreamRequestGuard } from './stream-request.guard';

export const STREAM_ROUTE = 'blogs/:slug/events';

@Public()
@Controller()
export class StreamController {
  constructor(private readonly streamService: StreamService) {}

  /**
   * A blog's live stream. StreamRequestGuard has checked the request (404 for an unknown
   * blog, 429 for too many streams from one address); the stream is then the StreamService's,
   * written by our ReaderConnection (see SseTransportMiddleware for why Nest's own SSE
   * serializer steps aside). The Observable is only there for @Sse().
   */
  @Sse(STREAM_ROUTE)
  @UseGuards(StreamRequestGuard)
  follow(@Req() request: StreamRequest): Observable<never> {
    const { blogId, cursor, release } = request.stream!;
    try {
      this.streamService.open(blogId, cursor, request.res!, release);
    } catch (error) {
      // Nothing would answer the client (Nest's serializer stepped aside): end it here.
      release();
      request.res!.destroy();
      throw error;
    }
    return EMPTY;
  }
}
