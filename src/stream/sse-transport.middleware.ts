import { Injectable, NestMiddleware, SSE_ABORT_CONTROLLER } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

/** Tells Nest's SSE serializer that the response is taken care of. */
const HANDED_OVER = Object.freeze({ writableEnded: true });
/**
 * What Nest finds as the request's AbortController: already aborted, and aborting it again
 * does nothing. (A real one builds its DOMException, stack trace included, on every abort()
 * call, even when already aborted: a sizeable share of the CPU of opening a stream.)
 */
const ALREADY_ABORTED = Object.freeze({ signal: AbortSignal.abort(), abort: () => undefined });

/**
 * Lets stream routes stay @Sse() handlers while our ReaderConnection writes the bytes.
 *
 * Nest's own SSE serializer cannot follow the stream contract: it gives every event sent
 * without an id a per-connection number (the `views` and `readers` events must carry none),
 * writes a blank line before the first event (the contract sends `retry:` first). It also
 * costs, per reader, a Transform stream, an RxJS chain, two timers, an AbortController whose
 * abort captures a stack trace, and a pending promise: measured, most of the CPU of opening
 * a stream and a third of its memory. Nest writes through `res.raw` when a platform sets it;
 * here that says the response has been handed over, and Nest's serializer steps aside.
 * Nest still routes the request, runs guards (StreamRequestGuard: 404, 429) and answers their
 * errors through the exception filter, before the handler opens the stream.
 */
@Injectable()
export class SseTransportMiddleware implements NestMiddleware {
  use(request: Request, response: Response, next: NextFunction): void {
    Object.assign(response, { raw: HANDED_OVER });
    Object.assign(request, { [SSE_ABORT_CONTROLLER]: ALREADY_ABORTED });
    next();
  }
}
