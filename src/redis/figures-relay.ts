import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type Redis from 'ioredis';
import { EventBus } from '../event-log/event-bus';
import type { BlogFigures } from '../event-log/events';
import { RedisConnection } from './redis-connection';

const FIGURE_TYPES = new Set<string>(['views', 'readers']);

function isBlogFigures(value: unknown): value is BlogFigures {
  const figures = value as Partial<BlogFigures> | null;
  return (
    typeof figures?.blogId === 'number' &&
    typeof figures.type === 'string' &&
    FIGURE_TYPES.has(figures.type) &&
    typeof figures.data === 'object' &&
    figures.data !== null
  );
}

/**
 * Blogs' figures for the readers of every process: published once on a Redis channel, and
 * from it onto each process's bus, the publisher's included, so each bus gets them exactly
 * once however many processes there are.
 */
@Injectable()
export class FiguresRelay implements OnModuleInit {
  private readonly logger = new Logger(FiguresRelay.name);
  private readonly channel: string;
  private readonly subscriber: Redis;

  constructor(
    private readonly redis: RedisConnection,
    private readonly eventBus: EventBus,
  ) {
    this.channel = redis.channel('figures');
    this.subscriber = redis.subscriber();
  }

  /** Listens before the app serves: figures published from then on reach this bus. */
  async onModuleInit(): Promise<void> {
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.channel) this.relay(message);
    });
    await this.listen();
  }

  /**
   * To every process's bus. When Redis is away, to this process's alone: figures are of the
   * moment, and a figure seen twice (had the publish gone through after all) is harmless.
   */
  async publish(figures: BlogFigures): Promise<void> {
    try {
      await this.redis.client.publish(this.channel, JSON.stringify(figures));
    } catch (error) {
      this.logger.warn(`Figures of blog ${figures.blogId} not relayed: ${String(error)}`);
      this.eventBus.publishFigures(figures);
    }
  }

  /**
   * Subscribes; when Redis cannot be reached (a process starting during an outage), the app
   * starts anyway and subscribes once it can. ioredis subscribes again by itself after later
   * reconnections.
   */
  private async listen(): Promise<void> {
    try {
      await this.subscriber.subscribe(this.channel);
    } catch (error) {
      this.logger.warn(`Figures of other processes unheard until Redis answers: ${String(error)}`);
      this.subscriber.once('ready', () => void this.listen());
    }
  }

  private relay(message: string): void {
    let figures: unknown;
    try {
      figures = JSON.parse(message);
    } catch {
      figures = undefined;
    }
    if (isBlogFigures(figures)) this.eventBus.publishFigures(figures);
    else this.logger.warn('Ignored a message on the figures channel that is not figures');
  }
}
