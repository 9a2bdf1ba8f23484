import {
  BeforeApplicationShutdown,
  Injectable,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';

/** How often a stopping server closes the connections that have gone idle since. */
const IDLE_SWEEP_MS = 100;

/** How long a new connection may take to send its first request before a stop closes it. */
const FIRST_REQUEST_MS = 1000;

/**
 * Lets a stopping server close. Node's server.close() stops accepting and closes the
 * connections idle at that moment, then waits for every other one; a browser that keeps its
 * connection alive and sends the next request on it (a stream reconnecting every
 * `SSE_RETRY_MS`) would hold the server open for good. So once shutdown begins, every answer
 * closes its connection (a stream's, which skips the middleware, in StreamService), and
 * connections that go idle are closed as they do.
 *
 * Node counts a connection that has not sent its first request yet as neither idle nor busy,
 * and keeps it until its headers timeout (a minute). Browsers open such connections ahead of
 * need (a page framed by another site gets one), so those are closed too, once they have sat
 * silent for a second (a request on its way over a new connection is let through).
 */
@Injectable()
export class ConnectionDrain
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private draining = false;
  private idleSweep?: NodeJS.Timeout;
  /** Connections that have not sent a request yet, and when they were opened. */
  private readonly unused = new Map<Socket, number>();

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onApplicationBootstrap(): void {
    const server = this.server();
    server.on('connection', (socket: Socket) => {
      this.unused.set(socket, Date.now());
      socket.once('close', () => this.unused.delete(socket));
    });
    server.on('request', (request: IncomingMessage) => this.unused.delete(request.socket));
  }

  beforeApplicationShutdown(): void {
    this.draining = true;
    const server = this.server();
    const sweep = () => {
      server.closeIdleConnections();
      for (const [socket, openedAt] of this.unused) {
        if (socket.bytesRead === 0 && Date.now() - openedAt > FIRST_REQUEST_MS) socket.destroy();
      }
    };
    sweep();
    this.idleSweep = setInterval(sweep, IDLE_SWEEP_MS);
    this.idleSweep.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.idleSweep);
  }

  private server(): Server {
    return this.adapterHost.httpAdapter.getHttpServer() as Server;
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
