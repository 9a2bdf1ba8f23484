import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { EventBus } from './event-bus';
import { EventLog } from './event-log.service';
import { LocalLogFeed } from './local-log-feed';
import { LogEvent } from './log-event.entity';
import { LogFeed } from './log-feed';
import { PostgresLogFeed } from './postgres-log-feed';

@Module({
  imports: [TypeOrmModule.forFeature([LogEvent])],
  providers: [
    EventLog,
    EventBus,
    {
      provide: LogFeed,
      inject: [AppConfig, DataSource, EventBus],
      useFactory: (config: AppConfig, dataSource: DataSource, eventBus: EventBus): LogFeed =>
        config.DATABASE_URL
          ? new PostgresLogFeed(config.DATABASE_URL, dataSource, eventBus)
          : new LocalLogFeed(dataSource, eventBus),
    },
  ],
  exports: [EventLog, EventBus],
})
export class EventLogModule {}
