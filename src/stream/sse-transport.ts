/**
 * The stream transport: how a Nest @Sse() route writes Liveblog's own pre-encoded frames.
 *
 * Nest's SSE serializer cannot follow the stream's format: it gives every event sent without
 * an id a per-connection number (the `views` and `readers` events must carry none) and writes
 * a blank line before the first event (the stream sends `retry:` first). It also costs, per
 * reader, a Transform stream, an RxJS chain, two timers, an AbortController whose abort
 * captures a stack trace, and a pending promise: measured, most of the CPU of opening a stream
 * and a third of its memory. So the route stays an @Sse() handler that Nest routes, guards and
 * answers errors for, while the bytes are ours. What a stream request meets, in order:
 *
 * 1. `installStreamTransport()`, once at start: the route goes first in Express's router, and
 *    the start fails if anything would keep the route from opening streams.
 * 2. `StreamTransportMiddleware`: tells Nest the response is handed over, so its serializer
 *    steps aside.
 * 3. The route's guard, then its handler, which wraps the response in an `SseResponse` and
 *    returns `STREAM_HANDED_OVER`.
 * 4. `SseResponse` writes frames prepared as HTTP/1.1 chunks (`asChunk`, built once per event
 *    and shared by every reader) straight to the socket.
 */
import { Injectable, NestMiddleware, SSE_ABORT_CONTROLLER, type Type } from '@nestjs/common';
import { INTERCEPTORS_METADATA, SSE_METADATA } from '@nestjs/common/constants';
import { ApplicationConfig } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Express, NextFunction, Request, Response } from 'express';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { EMPTY, type Observable } from 'rxjs';

export const STREAM_HEADERS = {
  'Content-Type': 'text/event-stream',
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
  'X-Content-Type-Options': 'nosniff',
  Connection: 'keep-alive',
} as const;

/** Unsent bytes a reader may have queued before it is dropped (it resumes from the log). */
export const MAX_UNSENT_BYTES = 1024 * 1024;

/**
 * What a stream route's handler returns once an SseResponse has the response: Nest's
 * serializer has stepped aside (StreamTransportMiddleware) and subscribes to nothing.
 */
export const STREAM_HANDED_OVER: Observable<never> = EMPTY;

/** Tells Nest's SSE serializer that the response is taken care of. */
const HANDED_OVER = Object.freeze({ writableEnded: true });
/**
 * What Nest finds as the request's AbortController: already aborted, and aborting it again
 * does nothing. (A real one builds its DOMException, stack trace included, on every abort()
 * call, even when already aborted: a sizeable share of the CPU of opening a stream.)
 */
const ALREADY_ABORTED = Object.freeze({ signal: AbortSignal.abort(), abort: () => undefined });

/**
 * Nest writes an @Sse() route's answer through `res.raw` when a platform sets it; here that
 * says the response has been handed over, and Nest's serializer steps aside.
 */
@Injectable()
export class StreamTransportMiddleware implements NestMiddleware {
  use(request: Request, response: Response, next: NextFunction): void {
    Object.assign(response, { raw: HANDED_OVER });
    Object.assign(request, { [SSE_ABORT_CONTROLLER]: ALREADY_ABORTED });
    next();
  }
}

/** The stream route, as installStreamTransport() needs to find and check it. */
export interface StreamRoute {
  /** Its path, as given to @Sse(). */
  path: string;
  controller: Type;
  handler: string;
}

/**
 * Readies the stream route of an initialized app: first in Express's router, and checked.
 * Throws, naming the cause, when the route could not open streams.
 */
export function installStreamTransport(app: NestExpressApplication, route: StreamRoute): void {
  const problem = whatStopsStreams(app, route);
  if (problem)
    throw new Error(`The live stream route /${route.path} cannot open streams: ${problem}`);
  routeStreamsFirst(app, route.path);
}

/**
 * Why the route would not open streams, if anything would stop it. An interceptor makes Nest
 * defer the handler into the Observable it answers with, which Nest's serializer, stepped
 * aside, never subscribes to: every stream would hang, unopened, without an error.
 */
function whatStopsStreams(app: NestExpressApplication, route: StreamRoute): string | undefined {
  const handler: unknown = (route.controller.prototype as Record<string, unknown>)[route.handler];
  if (typeof handler !== 'function') return `${route.controller.name} has no ${route.handler}()`;
  if (!Reflect.getMetadata(SSE_METADATA, handler)) {
    return `${route.controller.name}.${route.handler}() is not an @Sse() handler`;
  }
  const config = app.get(ApplicationConfig);
  const interceptors = [
    ...config.getGlobalInterceptors().map((interceptor) => interceptor.constructor.name),
    ...config.getGlobalRequestInterceptors().map((wrapper) => String(wrapper.name)),
    ...interceptorNames(route.controller),
    ...interceptorNames(handler),
  ];
  if (interceptors.length > 0) {
    return `interceptors apply to it (${interceptors.join(', ')}); apply them per controller instead`;
  }
  if (!expressLayersOf(app, route.path).length) return "Express's router has no such route";
  return undefined;
}

function interceptorNames(target: object): string[] {
  const bound = (Reflect.getMetadata(INTERCEPTORS_METADATA, target) ?? []) as unknown[];
  return bound.map((interceptor) =>
    typeof interceptor === 'function' ? interceptor.name : String(interceptor?.constructor.name),
  );
}

type ExpressLayer = Express['router']['stack'][number];

/** Nest's middleware for the route and the route itself. */
function expressLayersOf(app: NestExpressApplication, path: string): ExpressLayer[] {
  const express: Express = app.getHttpAdapter().getInstance();
  return express.router.stack.filter((layer) => layer.route?.path === `/${path}`);
}

/**
 * Puts the live streams' route first in Express's router. Every other request walks the
 * app-wide middleware (security headers, body parsers, cookies, static files, request log):
 * a stream needs none of it, and what a middleware leaves on a request stays for as long as
 * the reader does, times tens of thousands of readers. Walking it cost a quarter of the
 * server's CPU when 10,000 readers reconnect at once (bench: storm).
 */
function routeStreamsFirst(app: NestExpressApplication, path: string): void {
  const express: Express = app.getHttpAdapter().getInstance();
  const { stack } = express.router;
  const streamLayers = expressLayersOf(app, path);
  for (const layer of streamLayers) stack.splice(stack.indexOf(layer), 1);
  stack.unshift(...streamLayers);
}

const CRLF = Buffer.from('\r\n');

/**
 * A frame as one HTTP/1.1 chunk (`<hex length>\r\n<frame>\r\n`), built once per event so each
 * reader's socket gets a single write of a shared Buffer.
 */
export function asChunk(frame: Buffer): Buffer {
  const size = Buffer.from(`${frame.length.toString(16)}\r\n`);
  // Its own memory, not a slice of Node's shared pool: recent chunks are kept a while, and a
  // kept slice would keep its whole 8 KiB pool block.
  const chunk = Buffer.allocUnsafeSlow(size.length + frame.length + CRLF.length);
  size.copy(chunk, 0);
  frame.copy(chunk, size.length);
  CRLF.copy(chunk, size.length + frame.length);
  return chunk;
}

/** The frames inside one or more consecutive chunks made by asChunk, without copying them. */
export function chunkPayloads(chunks: Buffer): Buffer[] {
  const payloads: Buffer[] = [];
  for (let at = 0; at < chunks.length;) {
    const sizeEnd = chunks.indexOf(CRLF, at);
    const start = sizeEnd + CRLF.length;
    const end = start + parseInt(chunks.toString('latin1', at, sizeEnd), 16);
    payloads.push(chunks.subarray(start, end));
    at = end + CRLF.length;
  }
  return payloads;
}

/**
 * One stream's response, taken over from Nest: chunks go straight to the socket (one write
 * of one shared Buffer per reader and event, instead of the three pieces, the string and the
 * tick callback of ServerResponse.write). Node still owns the response: it wrote the headers
 * and writes the last chunk when the stream ends.
 */
export class SseResponse {
  constructor(private readonly response: ServerResponse) {}

  /**
   * Where chunks go straight: the socket, once the response owns it and frames its body in
   * chunks (HTTP/1.1). A response queued behind another on the same connection (pipelining,
   * which browsers do not do) or to an HTTP/1.0 client is written through ServerResponse.
   */
  private get socket(): Socket | null {
    return this.response.chunkedEncoding ? this.response.socket : null;
  }

  /**
   * Calls `listener` when the client goes or the stream ends, or now (and returns false) when
   * the client has gone already. The connection's close, not only the response's: a response
   * queued behind another on the same connection (pipelining) is never told its client left.
   * Both may fire, so the listener must be idempotent; offClosed() removes it from both.
   */
  onClosed(listener: () => void): boolean {
    if (this.response.req.socket.destroyed) {
      listener();
      return false;
    }
    this.response.req.socket.once('close', listener);
    this.response.once('close', listener);
    return true;
  }

  offClosed(listener: () => void): void {
    this.response.req.socket.off('close', listener);
    this.response.off('close', listener);
  }

  /**
   * Sends the headers and `firstChunk` (the retry line: with it the client knows at once that
   * it is connected). False when that is the whole answer: a HEAD request, which Express
   * routes to this GET route.
   */
  open(firstChunk: Buffer): boolean {
    this.response.socket?.setNoDelay(true);
    this.response.writeHead(200, STREAM_HEADERS);
    this.response.write(firstChunk);
    if (this.response.req.method !== 'HEAD') return true;
    this.end();
    return false;
  }

  /**
   * Answers a reconnect that reached a stopping server: ended at once, and its connection
   * with it, so the browser's next try goes to the server that comes up next.
   */
  refuse(firstChunk: Buffer): void {
    this.response.writeHead(200, { ...STREAM_HEADERS, Connection: 'close' });
    this.response.end(firstChunk);
  }

  /** True while the connection holds more unsent bytes than its high-water mark. */
  get backedUp(): boolean {
    return (this.socket ?? this.response).writableNeedDrain;
  }

  /** Bytes written and not yet handed to the kernel. */
  get unsentBytes(): number {
    return (this.socket ?? this.response).writableLength;
  }

  /** Resolves once the connection has room again, or has closed. */
  drained(): Promise<void> {
    const output = this.socket ?? this.response;
    if (this.response.writableEnded || !output.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        output.off('drain', done);
        this.response.off('close', done);
        resolve();
      };
      output.on('drain', done);
      this.response.on('close', done);
    });
  }

  /** Holds writes back until uncork(), so several leave in one system call (a replay page). */
  cork(): void {
    this.socket?.cork();
  }

  uncork(): void {
    this.socket?.uncork();
  }

  /**
   * Writes a chunk, unless the reader has stopped reading: past MAX_UNSENT_BYTES the
   * connection is dropped and false returned, so one stuck reader cannot grow the server's
   * memory. Its browser reconnects and resumes from the log.
   */
  write(chunk: Buffer): boolean {
    const socket = this.socket;
    if ((socket ?? this.response).writableLength > MAX_UNSENT_BYTES) {
      this.response.destroy();
      return false;
    }
    if (socket) socket.write(chunk);
    else for (const payload of chunkPayloads(chunk)) this.response.write(payload);
    return true;
  }

  end(): void {
    if (!this.response.writableEnded) this.response.end();
  }
}
