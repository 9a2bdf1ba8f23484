import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { BlogsModule } from '../blogs/blogs.module';
import { EventLogModule } from '../event-log/event-log.module';
import { StreamTransportMiddleware } from './sse-transport';
import { STREAM_ROUTE, StreamController } from './stream.controller';
import { StreamMetrics } from './stream-metrics';
import { StreamService } from './stream.service';
import { StreamRequestGuard } from './stream-request.guard';
import { StreamsPerAddress } from './streams-per-address';

@Module({
  imports: [BlogsModule, EventLogModule],
  controllers: [StreamController],
  providers: [StreamService, StreamMetrics, StreamsPerAddress, StreamRequestGuard],
  exports: [StreamService],
})
export class StreamModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(StreamTransportMiddleware)
      .forRoutes({ path: STREAM_ROUTE.path, method: RequestMethod.GET });
  }
}
