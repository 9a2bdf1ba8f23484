import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { Writable } from 'node:stream';

/**
 * Lets stream routes stay @Sse() handlers while our ReaderConnection writes the bytes.
 *
 * Nest's own SSE serializer cannot follow the stream contract: it gives every event sent
 * without an id a per-connection number (the `views` and `readers` events must carry none),
 * writes a blank line before the first event (the contract sends `retry:` first) and runs a
 * Transform stream and an RxJS chain per reader. Nest hands that serializer `res.raw` when a
 * platform sets it; here it gets a sink that discards. Nest still routes the request, runs
 * guards and pipes and answers errors thrown before the stream starts (404, 429); the
 * handler's Observable completes at once, which ends only this sink, not the stream.
 */
@Injectable()
export class SseTransportMiddleware implements NestMiddleware {
  use(_request: Request, response: Response, next: NextFunction): void {
    (response as Response & { raw?: Writable }).raw = new Writable({
      write: (_chunk, _encoding, done) => done(),
    });
    next();
  }
}
