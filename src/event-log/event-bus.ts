import { Injectable } from '@nestjs/common';
import { Observable, Subject } from 'rxjs';
import { LogEvent } from './log-event.entity';

/**
 * Carries committed log events to live streams within this process. Only events whose
 * transaction has committed are published, so a stream never shows what a rollback undid.
 */
@Injectable()
export class EventBus {
  private readonly committed = new Subject<LogEvent>();

  readonly events$: Observable<LogEvent> = this.committed.asObservable();

  publish(event: LogEvent): void {
    this.committed.next(event);
  }
}
