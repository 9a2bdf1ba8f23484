import { Controller, Req, Sse, UseGuards } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { Public } from '../auth/public.decorator';
import { SseResponse, STREAM_HANDED_OVER, type StreamRoute } from './sse-transport';
import { StreamService } from './stream.service';
import { StreamRequest, StreamRequestGuard } from './stream-request.guard';

const STREAM_PATH = 'blogs/:slug/events';

@Public()
@Controller()
export class StreamController {
  constructor(private readonly streamService: StreamService) {}

  /**
   * A blog's live stream. StreamRequestGuard has checked the request (404 for an unknown
   * blog, 429 for too many streams from one address); the stream transport then takes the
   * response over from Nest (see sse-transport.ts).
   */
  @Sse(STREAM_PATH)
  @UseGuards(StreamRequestGuard)
  follow(@Req() request: StreamRequest): Observable<never> {
    const { blogId, cursor, release } = request.stream!;
    try {
      this.streamService.open(blogId, cursor, new SseResponse(request.res!), release);
    } catch (error) {
      // Nothing would answer the client (Nest's serializer stepped aside): end it here.
      release();
      request.res!.destroy();
      throw error;
    }
    return STREAM_HANDED_OVER;
  }
}

export const STREAM_ROUTE: StreamRoute = {
  path: STREAM_PATH,
  controller: StreamController,
  handler: 'follow',
};
