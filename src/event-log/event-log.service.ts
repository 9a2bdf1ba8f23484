import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, MoreThan, Repository } from 'typeorm';
import { insertRow } from '../database/plain-rows';
import { LogEvent, LogEventType } from './log-event.entity';

export interface NewLogEvent {
  blogId: number;
  type: LogEventType;
  postId: number;
  data: object;
}

/** The durable event log (outbox): appended in the writer's transaction, read by streams. */
@Injectable()
export class EventLog {
  constructor(@InjectRepository(LogEvent) private readonly events: Repository<LogEvent>) {}

  /** Appends within the caller's transaction, so the change and its event commit together. */
  async append(manager: EntityManager, event: NewLogEvent): Promise<LogEvent> {
    const logged = manager.create(LogEvent, {
      blogId: event.blogId,
      type: event.type,
      postId: event.postId,
      payload: JSON.stringify(event.data),
      createdAt: new Date(),
    });
    logged.id = await insertRow(manager, LogEvent, logged);
    return logged;
  }

  /** The id of the newest event of the whole log, 0 when it is empty. */
  async newestId(): Promise<number> {
    const row = await this.events
      .createQueryBuilder('event')
      .select('MAX(event.id)', 'newest')
      .getRawOne<{ newest: number | null }>();
    return row?.newest ?? 0;
  }

  /** One page of a blog's events newer than `afterId`, oldest first. */
  readAfter(blogId: number, afterId: number, limit: number): Promise<LogEvent[]> {
    return this.events.find({
      where: { blogId, id: MoreThan(afterId) },
      order: { id: 'ASC' },
      take: limit,
    });
  }
}
