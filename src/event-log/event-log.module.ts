import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventBus } from './event-bus';
import { EventLog } from './event-log.service';
import { LogEvent } from './log-event.entity';

@Module({
  imports: [TypeOrmModule.forFeature([LogEvent])],
  providers: [EventLog, EventBus],
  exports: [EventLog, EventBus],
})
export class EventLogModule {}
