import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { EventBus } from './event-bus';
import { EventLog } from './event-log.service';
import { LocalLogFeed } from './local-log-feed';
import { LogEvent } from './log-event.entity';
import { LogFeed } from './log-feed';
import { LogRetention } from './log-retention.service';
import { PostgresLogFeed } from './postgres-log-feed';

@Module({
  imports: [TypeOrmModule.forFeature([LogEvent])],
  providers: [
    EventLog,
    EventBus,
    LogRetention,
    {
      provide: LogFeed,
      inject: [AppConfig, DataSource, EventBus, MetricsService],
      useFactory: (
        config: AppConfig,
        dataSource: DataSource,
        eventBus: EventBus,
        metrics: MetricsService,
      ): LogFeed =>
        config.DATABASE_URL
          ? new PostgresLogFeed(config.DATABASE_URL, dataSource, eventBus, metrics)
          : new LocalLogFeed(dataSource, eventBus),
    },
  ],
  exports: [EventLog, EventBus],
})
export class EventLogModule {}
