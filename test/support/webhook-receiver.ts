import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitUntil } from './sse-client';

/** One request a receiver got. */
export interface WebhookCall {
  headers: IncomingMessage['headers'];
  body: string;
  json: {
    epoch: string;
    id: number;
    type: string;
    blog: { id: number; slug: string };
    data: unknown;
  };
  /** The signature checked out with the secret the receiver had then, within five minutes. */
  verified: boolean;
  /** What the receiver answered; null for a request it held unanswered. */
  status: number | null;
  /** The request is still open: held, and the sender has not given up on it yet. */
  open: boolean;
  /** The sender's end of the connection. */
  remotePort: number;
}

/** What the receiver does with a request: answer 2xx, answer 500, or hold it unanswered. */
export type Behaviour = 'ok' | 'fail' | 'hang';

/** Verifies `Liveblog-Signature` as docs/webhooks.md tells receivers to. */
export function verifySignature(header: string, body: string, secret: string): boolean {
  const parts = Object.fromEntries(header.split(',').map((part) => part.split('=', 2)));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  const given = Buffer.from(String(parts.v1 ?? ''), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * A local webhook receiver (node:http): records every request, checks its signature, and
 * answers as told, request by request.
 */
export class WebhookReceiver {
  readonly calls: WebhookCall[] = [];
  /** Behaviours for the next requests, in order; then `ok`. */
  readonly plan: Behaviour[] = [];
  secret = '';
  /** The most requests it had open at once. */
  mostAtOnce = 0;
  private open = 0;
  private readonly held: Array<{ call: WebhookCall; response: ServerResponse }> = [];
  private server!: Server;

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  async start(): Promise<this> {
    this.server = createServer((request, response) => this.receive(request, response));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    for (const { response } of this.held.splice(0)) response.destroy();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  /** Answers 204 to the requests it holds, as a receiver that was slow but got there. */
  releaseHeld(): void {
    for (const { call, response } of this.held.splice(0)) {
      call.status = 204;
      response.writeHead(call.status).end();
    }
  }

  /** The ids of the events it got, one per request (a retried event appears again). */
  ids(): number[] {
    return this.calls.map((call) => call.json.id);
  }

  /** The events it answered 2xx to, in order. */
  deliveredIds(): number[] {
    return this.calls.filter((call) => call.status === 204).map((call) => call.json.id);
  }

  async waitForCalls(count: number): Promise<WebhookCall[]> {
    await waitUntil(
      () => this.calls.length >= count,
      () => `${count} webhook requests (got ${this.calls.length}: ${this.ids().join(', ')})`,
    );
    return this.calls;
  }

  async waitForId(id: number, timeoutMs?: number): Promise<void> {
    await waitUntil(
      () => this.calls.some((call) => call.json.id === id),
      () => `a webhook request for event ${id} (got ${this.ids().join(', ')})`,
      timeoutMs,
    );
  }

  private receive(request: IncomingMessage, response: ServerResponse): void {
    this.open += 1;
    this.mostAtOnce = Math.max(this.mostAtOnce, this.open);
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      const call: WebhookCall = {
        headers: request.headers,
        body,
        json: JSON.parse(body) as WebhookCall['json'],
        verified: verifySignature(String(request.headers['liveblog-signature']), body, this.secret),
        status: null,
        open: true,
        remotePort: request.socket.remotePort!,
      };
      this.calls.push(call);
      const behaviour = this.plan.shift() ?? 'ok';
      response.on('close', () => {
        this.open -= 1;
        call.open = false;
      });
      if (behaviour === 'hang') {
        this.held.push({ call, response });
        return;
      }
      call.status = behaviour === 'ok' ? 204 : 500;
      response.writeHead(call.status).end();
    });
  }
}
