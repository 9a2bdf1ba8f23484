import {
  Check,
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { Webhook } from './webhook.entity';

/**
 * `delivered`: answered 2xx; `failed`: an attempt that will be retried; `gave-up`: the last
 * attempt, a day after the first, after which the webhook moves on; `skipped`: events removed
 * from the log (LOG_RETENTION_DAYS) before they could be sent.
 */
export const DELIVERY_OUTCOMES = ['delivered', 'failed', 'gave-up', 'skipped'] as const;
export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number];

/** Deliveries kept per webhook: what the admin page and the API list. */
export const DELIVERIES_KEPT = 100;

/** One attempt to deliver an event to a webhook; only the newest ones of each are kept. */
@Entity('webhook_deliveries')
@Index('IDX_webhook_deliveries_webhook_id', ['webhookId', 'id'])
@Check(`"outcome" IN (${DELIVERY_OUTCOMES.map((outcome) => `'${outcome}'`).join(', ')})`)
export class WebhookDelivery {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'integer' })
  webhookId!: number;

  @ManyToOne(() => Webhook, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'webhookId' })
  webhook?: Webhook;

  /** The event; for `skipped`, the first of the events that were gone. */
  @Column({ type: 'integer' })
  eventId!: number;

  /** The event's type; null for `skipped`. */
  @Column({ type: 'varchar', length: 6, nullable: true })
  eventType!: string | null;

  @Column({ type: 'varchar', length: 10 })
  outcome!: DeliveryOutcome;

  /** 1 for the first attempt at this event, 2 for its first retry, and so on. */
  @Column({ type: 'integer' })
  attempt!: number;

  /** The receiver's HTTP status; null when it gave none (refused, timed out). */
  @Column({ type: 'integer', nullable: true })
  statusCode!: number | null;

  /** What went wrong, in a sentence; null when delivered. */
  @Column({ type: 'varchar', length: 300, nullable: true })
  error!: string | null;

  @Column({ type: 'integer' })
  durationMs!: number;

  @Column({ type: Date })
  createdAt!: Date;
}
