import type { DeliveryOutcome, WebhookDelivery } from './webhook-delivery.entity';
import type { Webhook } from './webhook.entity';

/** `healthy`: delivering (or nothing to send); `retrying`: an event keeps failing; `paused`. */
export const WEBHOOK_STATES = ['healthy', 'retrying', 'paused'] as const;
export type WebhookState = (typeof WEBHOOK_STATES)[number];

/** A webhook as the API shows it; its secret only in the answers that make one. */
export interface WebhookView {
  id: number;
  url: string;
  /** The slug of its blog; null when it gets every blog's events. */
  blog: string | null;
  active: boolean;
  state: WebhookState;
  /** The newest event it has dealt with. */
  lastEventId: number;
  /** Failed attempts at the next event; 0 while healthy. */
  failedAttempts: number;
  retryingSince: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  /** The name of the admin who added it; null once they are removed. */
  createdBy: string | null;
}

export interface WebhookDeliveryView {
  id: number;
  eventId: number;
  eventType: string | null;
  outcome: DeliveryOutcome;
  attempt: number;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  createdAt: string;
}

/** `webhook` with its relations `blog` and `createdBy` loaded. */
export function toWebhookView(webhook: Webhook): WebhookView {
  return {
    id: webhook.id,
    url: webhook.url,
    blog: webhook.blog?.slug ?? null,
    active: webhook.active,
    state: stateOf(webhook),
    lastEventId: webhook.lastEventId,
    failedAttempts: webhook.failedAttempts,
    retryingSince: webhook.retryingSince?.toISOString() ?? null,
    nextAttemptAt: webhook.nextAttemptAt?.toISOString() ?? null,
    createdAt: webhook.createdAt.toISOString(),
    createdBy: webhook.createdBy?.name ?? null,
  };
}

function stateOf(webhook: Webhook): WebhookState {
  if (!webhook.active) return 'paused';
  return webhook.failedAttempts > 0 ? 'retrying' : 'healthy';
}

export function toWebhookDeliveryView(delivery: WebhookDelivery): WebhookDeliveryView {
  return {
    id: delivery.id,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    outcome: delivery.outcome,
    attempt: delivery.attempt,
    statusCode: delivery.statusCode,
    error: delivery.error,
    durationMs: delivery.durationMs,
    createdAt: delivery.createdAt.toISOString(),
  };
}
