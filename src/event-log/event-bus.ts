import { Injectable } from '@nestjs/common';
import { Observable, Subject } from 'rxjs';
import type { BlogFigures } from './events';
import { LogEvent } from './log-event.entity';

/**
 * Carries events to live streams within this process: committed log events (only once their
 * transaction has committed, so a stream never shows what a rollback undid) and blogs'
 * ephemeral figures. Producers publish here and never know the streams.
 */
@Injectable()
export class EventBus {
  private readonly committed = new Subject<LogEvent>();
  private readonly figures = new Subject<BlogFigures>();

  readonly committed$: Observable<LogEvent> = this.committed.asObservable();
  readonly figures$: Observable<BlogFigures> = this.figures.asObservable();

  /** For EventLog.commit() alone: events reach the bus through the outbox, after commit. */
  publishCommitted(event: LogEvent): void {
    this.committed.next(event);
  }

  publishFigures(figures: BlogFigures): void {
    this.figures.next(figures);
  }
}
