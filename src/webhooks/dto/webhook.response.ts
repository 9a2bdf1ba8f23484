import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { DELIVERY_OUTCOMES, type DeliveryOutcome } from '../webhook-delivery.entity';
import {
  WEBHOOK_STATES,
  type WebhookDeliveryView,
  type WebhookState,
  type WebhookView,
} from '../webhook-view';

/** WebhookView as the API docs show it; `implements` keeps the two alike. */
@ApiSchema({ name: 'Webhook' })
export class WebhookResponse implements WebhookView {
  @ApiProperty({ type: 'integer' })
  id!: number;

  @ApiProperty({ format: 'uri', example: 'https://hooks.example.com/liveblog' })
  url!: string;

  @ApiProperty({
    type: 'string',
    nullable: true,
    description: "The slug of its blog; null when it gets every blog's events.",
    example: 'cup-final',
  })
  blog!: string | null;

  @ApiProperty({ description: 'False while paused.' })
  active!: boolean;

  @ApiProperty({
    enum: WEBHOOK_STATES,
    description: '`retrying`: the next event keeps failing and is retried with backoff.',
  })
  state!: WebhookState;

  @ApiProperty({
    type: 'integer',
    description: 'The newest event it has dealt with (delivered, given up on, or of another blog).',
  })
  lastEventId!: number;

  @ApiProperty({ type: 'integer', description: 'Failed attempts at the next event.' })
  failedAttempts!: number;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  retryingSince!: string | null;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  nextAttemptAt!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'The name of the admin who added it.',
  })
  createdBy!: string | null;
}

@ApiSchema({ name: 'WebhookDelivery' })
export class WebhookDeliveryResponse implements WebhookDeliveryView {
  @ApiProperty({ type: 'integer' })
  id!: number;

  @ApiProperty({ type: 'integer', description: 'For `skipped`, the first event that was gone.' })
  eventId!: number;

  @ApiProperty({ type: 'string', nullable: true, enum: ['post', 'update', 'delete'] })
  eventType!: string | null;

  @ApiProperty({
    enum: DELIVERY_OUTCOMES,
    description:
      '`failed` is retried; `gave-up`: still failing a day after the first attempt, skipped; `skipped`: pruned from the log before it could be sent.',
  })
  outcome!: DeliveryOutcome;

  @ApiProperty({ type: 'integer', description: '1 for the first attempt at the event.' })
  attempt!: number;

  @ApiProperty({ type: 'integer', nullable: true, description: "The receiver's HTTP status." })
  statusCode!: number | null;

  @ApiProperty({ type: 'string', nullable: true, description: 'What went wrong.' })
  error!: string | null;

  @ApiProperty({ type: 'integer' })
  durationMs!: number;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

export class WebhookAnswer {
  @ApiProperty()
  webhook!: WebhookResponse;
}

export class WebhookWithSecretAnswer {
  @ApiProperty()
  webhook!: WebhookResponse;

  @ApiProperty({
    description: 'Signs every request (`Liveblog-Signature`); verify with it (docs/webhooks.md).',
    example: 'whsec_3q2-7wEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  })
  secret!: string;
}

export class WebhookListAnswer {
  @ApiProperty({ type: [WebhookResponse], description: 'Oldest first.' })
  webhooks!: WebhookResponse[];
}

export class WebhookDeliveryListAnswer {
  @ApiProperty({
    type: [WebhookDeliveryResponse],
    description: 'The newest 100 attempts, newest first.',
  })
  deliveries!: WebhookDeliveryResponse[];
}
