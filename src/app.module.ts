import { DynamicModule, Module, ValidationPipe } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import { LoggerModule } from 'nestjs-pino';
import { ThrottlerModule } from '@nestjs/throttler';
import { AccountModule } from './account/account.module';
import { AdminModule } from './admin/admin.module';
import { ApiDocsModule } from './api-docs/api-docs.module';
import { AuthModule } from './auth/auth.module';
import { credentialOf } from './auth/authenticated-request';
import { BlogsModule } from './blogs/blogs.module';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { AllExceptionsFilter } from './errors/all-exceptions.filter';
import { EventLogModule } from './event-log/event-log.module';
import { FeedsModule } from './feeds/feeds.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { PostsModule } from './posts/posts.module';
import { CountersModule } from './counters/counters.module';
import { ShutdownModule } from './shutdown/shutdown.module';
import { SiteModule } from './site/site.module';
import { StreamModule } from './stream/stream.module';
import { rateLimitOptions } from './rate-limits/rate-limits';
import { RedisConnection } from './redis/redis-connection';
import { RedisModule } from './redis/redis.module';
import { WebhooksModule } from './webhooks/webhooks.module';

const REQUEST_ID = /^[\w.-]{1,64}$/;

@Module({})
export class AppModule {
  /** The whole app on a configuration validated beforehand (see loadConfig). */
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.LOG_LEVEL,
            // A proxy's request id is kept, so one id follows a request through every log.
            genReqId: (request, response) => {
              const given = request.headers['x-request-id'];
              const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
              response.setHeader('X-Request-Id', id);
              return id;
            },
            redact: [
              'req.headers.cookie',
              'req.headers.authorization',
              'req.headers["x-csrf-token"]',
              'res.headers["set-cookie"]',
            ],
          },
        }),
        ShutdownModule,
        MetricsModule.forRoot(config),
        RedisModule.forRoot(config),
        DatabaseModule,
        EventLogModule,
        AuthModule,
        BlogsModule,
        PostsModule,
        StreamModule,
        CountersModule,
        SiteModule,
        FeedsModule,
        AccountModule,
        AdminModule,
        WebhooksModule,
        ThrottlerModule.forRootAsync({
          inject: [{ token: RedisConnection, optional: true }],
          useFactory: (redis?: RedisConnection) => rateLimitOptions(config, credentialOf, redis),
        }),
        HealthModule,
        ApiDocsModule,
      ],
      providers: [
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        {
          provide: APP_PIPE,
          useValue: new ValidationPipe({
            whitelist: true,
            forbidNonWhitelisted: true,
            transform: true,
          }),
        },
      ],
    };
  }
}
