import type { OnModuleInit } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { insertRow } from '../database/plain-rows';
import { EventBus } from './event-bus';
import { LogFeed, newestEventId } from './log-feed';
import { LogEvent } from './log-event.entity';

/**
 * The feed of one process on SQLite: its transactions run one after another, so ids are
 * handed out in commit order, and every commit is its own, published as it completes.
 */
export class LocalLogFeed extends LogFeed implements OnModuleInit {
  private newestPublished = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly eventBus: EventBus,
  ) {
    super();
  }

  async onModuleInit(): Promise<void> {
    this.newestPublished = await newestEventId(this.dataSource.manager);
  }

  publishedThrough(): number {
    return this.newestPublished;
  }

  append(manager: EntityManager, event: LogEvent): Promise<number> {
    return insertRow(manager, LogEvent, event);
  }

  committed(event: LogEvent): Promise<void> {
    this.newestPublished = event.id;
    this.eventBus.publishCommitted(event);
    return Promise.resolve();
  }

  async catchUp(): Promise<void> {}
}
