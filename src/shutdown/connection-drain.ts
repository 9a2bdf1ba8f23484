import { BeforeApplicationShutdown, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';
import type { Server } from 'node:http';

/** How often a stopping server closes the connections that have gone idle since. */
const IDLE_SWEEP_MS = 100;

/**
 * Lets a stopping server close. Node's server.close() stops accepting and closes the
 * connections idle at that moment, then waits for every other one; a browser that keeps its
 * connection alive and sends the next request on it (a stream reconnecting every
 * `SSE_RETRY_MS`) would hold the server open for good. So once shutdown begins, every answer
 * closes its connection (a stream's, which skips the middleware, in StreamService), and
 * connections that go idle are closed as they do.
 */
@Injectable()
export class ConnectionDrain implements BeforeApplicationShutdown, OnApplicationShutdown {
  private draining = false;
  private idleSweep?: NodeJS.Timeout;

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  beforeApplicationShutdown(): void {
    this.draining = true;
    const server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    this.idleSweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
    this.idleSweep.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.idleSweep);
  }

  /** Middleware: answers given while draining close their connection. */
  readonly closeConnectionsWhileDraining = (
    _request: Request,
    response: Response,
    next: NextFunction,
  ): void => {
    if (this.draining) response.setHeader('Connection', 'close');
    next();
  };
}
