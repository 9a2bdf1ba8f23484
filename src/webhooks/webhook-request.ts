import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LogEvent } from '../event-log/log-event.entity';

export const USER_AGENT = 'Liveblog-Webhooks/1';

/**
 * The body of an event's request: the epoch the event was written in and its id (together the
 * receiver's idempotency key: a restored database hands out ids again, under a new epoch, and
 * repeats its copy's events under their own), type and blog, and its `data` exactly as the
 * stream carries it (the logged payload, spliced in as is, never re-encoded).
 */
export function webhookBody(
  event: Pick<LogEvent, 'epoch' | 'id' | 'type' | 'payload' | 'createdAt'>,
  blog: { id: number; slug: string },
): string {
  const head = JSON.stringify({
    epoch: event.epoch,
    id: event.id,
    type: event.type,
    blog: { id: blog.id, slug: blog.slug },
    createdAt: event.createdAt.toISOString(),
  });
  return `${head.slice(0, -1)},"data":${event.payload}}`;
}

/**
 * `Liveblog-Signature`, in Stripe's style: `t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "<t>.<body>">`. The time is signed with the body, so a receiver can refuse an old request
 * replayed by whoever saw it (docs/webhooks.md).
 */
export function signatureHeader(secret: string, body: string, unixSeconds: number): string {
  const digest = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${digest}`;
}

/** What became of one POST: the receiver's status, or why there was none. */
export type PostOutcome = { statusCode: number; error: null } | { statusCode: null; error: string };

/**
 * POSTs a body and resolves with the status once the receiver has answered, or with the
 * error once it failed, took longer than `timeoutMs`, or `abandon` was signalled (shutdown);
 * it never rejects. Redirects are not followed (a 3xx is a failure, as Stripe's are), and
 * each request has a connection of its own, closed after it: no pool holds a receiver's
 * socket between deliveries, or a process's shutdown.
 */
export function postWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
  abandon: AbortSignal,
): Promise<PostOutcome> {
  return new Promise((resolve) => {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(target, {
      method: 'POST',
      agent: false,
      signal: abandon,
      headers: { ...headers, 'Content-Length': Buffer.byteLength(body) },
    });
    const timer = setTimeout(
      () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const settle = (outcome: PostOutcome) => {
      clearTimeout(timer);
      resolve(outcome);
    };
    request.on('response', (response) => {
      // Only the status matters; the body is read and dropped so the connection can close.
      response.resume();
      response.on('error', () => undefined);
      settle({ statusCode: response.statusCode ?? 0, error: null });
      request.destroy();
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      settle({ statusCode: null, error: describeFailure(error) });
    });
    request.end(body);
  });
}

/** Network failures in a sentence an admin can act on; others keep Node's message. */
const FAILURES: Record<string, string> = {
  ECONNREFUSED: 'Connection refused',
  ENOTFOUND: 'Host not found',
  ECONNRESET: 'Connection reset before an answer',
};

function describeFailure(error: NodeJS.ErrnoException): string {
  return (error.code && FAILURES[error.code]) || error.message.slice(0, 300);
}
