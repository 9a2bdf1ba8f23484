import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { newSecret } from '../auth/secret-token';
import type { User } from '../auth/user.entity';
import { BlogsService } from '../blogs/blogs.service';
import { Transactions } from '../database/transactions';
import { InvalidInputError, NotFoundError } from '../errors/domain-errors';
import { newestEventId } from '../event-log/log-feed';
import { CreateWebhookDto } from './dto/create-webhook.dto';
import { UpdateWebhookDto } from './dto/update-webhook.dto';
import { DELIVERIES_KEPT, WebhookDelivery } from './webhook-delivery.entity';
import { WebhookSender } from './webhook-sender';
import { Webhook } from './webhook.entity';

/** Recognizable in receivers' settings and secret scanners, as Stripe's `whsec_`. */
const SECRET_PREFIX = 'whsec_';

/** Admins' webhooks: add, change, pause, rotate the secret, remove, and their deliveries. */
@Injectable()
export class WebhooksService {
  constructor(
    @InjectRepository(Webhook) private readonly webhooks: Repository<Webhook>,
    @InjectRepository(WebhookDelivery) private readonly deliveries: Repository<WebhookDelivery>,
    private readonly blogsService: BlogsService,
    private readonly transactions: Transactions,
    private readonly sender: WebhookSender,
  ) {}

  /** Oldest first, with their blog and creator. */
  list(): Promise<Webhook[]> {
    return this.webhooks.find({ relations: { blog: true, createdBy: true }, order: { id: 'ASC' } });
  }

  async get(id: number): Promise<Webhook> {
    const webhook = await this.webhooks.findOne({
      where: { id },
      relations: { blog: true, createdBy: true },
    });
    if (!webhook) throw new NotFoundError(`No webhook with the id ${id}`);
    return webhook;
  }

  /**
   * A webhook that gets the events published from now on, not the log's history. Its secret
   * is in the answer.
   */
  async create(user: User, dto: CreateWebhookDto): Promise<Webhook> {
    const blog = dto.blog === undefined ? null : await this.blogsService.findBySlug(dto.blog);
    const { id } = await this.transactions.run(async (manager) =>
      manager.save(
        manager.create(Webhook, {
          url: dto.url,
          blogId: blog?.id ?? null,
          secret: newSecret(SECRET_PREFIX),
          active: true,
          // In the transaction: on SQLite no other one is open, so this is the newest committed
          // event; on PostgreSQL, an append under way gets a larger id and is delivered.
          lastEventId: await newestEventId(manager),
          failedAttempts: 0,
          retryingSince: null,
          nextAttemptAt: null,
          leaseOwner: null,
          leaseUntil: null,
          createdById: user.id,
          createdAt: new Date(),
        }),
      ),
    );
    return this.get(id);
  }

  /**
   * A new URL, or pause / resume. Changing the URL does not change what is sent next, nor
   * the backoff of an event being retried; a resume retries at once.
   */
  async update(id: number, dto: UpdateWebhookDto): Promise<Webhook> {
    if (dto.url === undefined && dto.active === undefined) {
      throw new InvalidInputError('Give url or active (or both)');
    }
    await this.get(id);
    const changes: Partial<Webhook> = {};
    if (dto.url !== undefined) changes.url = dto.url;
    if (dto.active !== undefined) changes.active = dto.active;
    if (dto.active) changes.nextAttemptAt = null;
    await this.transactions.run((manager) => manager.update(Webhook, { id }, changes));
    if (dto.active) this.sender.wake();
    return this.get(id);
  }

  /** A new secret, used from the next request on; the old one stops at once. */
  async rotateSecret(id: number): Promise<Webhook> {
    await this.get(id);
    await this.transactions.run((manager) =>
      manager.update(Webhook, { id }, { secret: newSecret(SECRET_PREFIX) }),
    );
    return this.get(id);
  }

  /** A delivery under way when it is removed still ends; nothing is sent after it. */
  async remove(id: number): Promise<void> {
    const { affected } = await this.transactions.run((manager) => manager.delete(Webhook, { id }));
    if (!affected) throw new NotFoundError(`No webhook with the id ${id}`);
  }

  /**
   * The recent deliveries of every webhook, newest first, by webhook id: one query for a page
   * that lists them all.
   */
  async recentDeliveriesOfAll(limit: number): Promise<Map<number, WebhookDelivery[]>> {
    const newest = await this.deliveries
      .createQueryBuilder('delivery')
      .where(
        `delivery.id IN (SELECT "id" FROM (SELECT "id", ROW_NUMBER() OVER (PARTITION BY "webhookId" ORDER BY "id" DESC) AS "rank" FROM "webhook_deliveries") "ranked" WHERE "rank" <= :limit)`,
        { limit },
      )
      .orderBy('delivery.id', 'DESC')
      .getMany();
    const byWebhook = new Map<number, WebhookDelivery[]>();
    for (const delivery of newest) {
      byWebhook.set(delivery.webhookId, [...(byWebhook.get(delivery.webhookId) ?? []), delivery]);
    }
    return byWebhook;
  }

  /** Its recent deliveries and failures, newest first. */
  async recentDeliveries(id: number, limit = DELIVERIES_KEPT): Promise<WebhookDelivery[]> {
    await this.get(id);
    return this.deliveries.find({ where: { webhookId: id }, order: { id: 'DESC' }, take: limit });
  }
}
