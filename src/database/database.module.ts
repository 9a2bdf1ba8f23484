import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, DataSourceOptions } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { DatabaseEpoch } from './database-epoch';
import { dataSourceOptions } from './data-source-options';
import { FailedQueryLogger } from './failed-query-logger';
import { runPendingMigrations } from './migrations';
import { StorageStatus } from './storage-status';
import { Transactions } from './transactions';
import { WriteProbe } from './write-probe';

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig, MetricsService],
      useFactory: (config: AppConfig, metrics: MetricsService) => ({
        ...dataSourceOptions(config),
        logger: new FailedQueryLogger(metrics),
        // Fail at once on a broken database instead of retrying for half a minute.
        retryAttempts: 0,
      }),
      dataSourceFactory: async (options?: DataSourceOptions) => {
        const dataSource = await new DataSource(options!).initialize();
        try {
          await runPendingMigrations(dataSource);
        } catch (error) {
          await dataSource.destroy();
          throw error;
        }
        return dataSource;
      },
    }),
  ],
  providers: [
    StorageStatus,
    Transactions,
    WriteProbe,
    {
      provide: DatabaseEpoch,
      inject: [DataSource],
      useFactory: (dataSource: DataSource) => DatabaseEpoch.of(dataSource.manager),
    },
  ],
  exports: [StorageStatus, Transactions, WriteProbe, DatabaseEpoch],
})
export class DatabaseModule {}
