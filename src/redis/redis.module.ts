import { DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { EventLogModule } from '../event-log/event-log.module';
import { MetricsService } from '../metrics/metrics.service';
import { FiguresRelay } from './figures-relay';
import { RedisConnection } from './redis-connection';

/**
 * Redis for several processes (REDIS_URL): the shared connection and the figures relay, for
 * every module to inject with `@Optional()`. Without REDIS_URL it provides nothing, and each
 * feature keeps its state in this process as a single server does.
 */
@Module({})
export class RedisModule {
  static forRoot(config: AppConfig): DynamicModule {
    const url = config.REDIS_URL;
    if (!url) return { module: RedisModule, global: true };
    return {
      module: RedisModule,
      global: true,
      imports: [EventLogModule],
      providers: [
        {
          provide: RedisConnection,
          inject: [MetricsService],
          useFactory: (metrics: MetricsService) =>
            new RedisConnection(url, {
              onError: (role) => metrics.redisErrors.inc({ connection: role }),
            }),
        },
        FiguresRelay,
      ],
      exports: [RedisConnection, FiguresRelay],
    };
  }
}
