import { DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

/**
 * The metrics every feature counts into, global as counting is everywhere; and with
 * METRICS_TOKEN, GET /metrics. Without it the route does not exist: a 404 as for any unknown
 * path, and Node's own metrics are not even collected.
 */
@Module({})
export class MetricsModule {
  static forRoot(config: AppConfig): DynamicModule {
    const served = config.METRICS_TOKEN !== undefined;
    return {
      module: MetricsModule,
      global: true,
      controllers: served ? [MetricsController] : [],
      providers: [
        { provide: MetricsService, useValue: new MetricsService({ processMetrics: served }) },
      ],
      exports: [MetricsService],
    };
  }
}
