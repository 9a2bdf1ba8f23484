import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { CountersModule } from '../counters/counters.module';
import { readerCookie } from '../counters/reader-cookie';
import { StreamModule } from '../stream/stream.module';
import { BlogsModule } from '../blogs/blogs.module';
import { EventLogModule } from '../event-log/event-log.module';
import { PostsModule } from '../posts/posts.module';
import { SiteController } from './site.controller';
import { SiteService } from './site.service';

@Module({
  imports: [BlogsModule, PostsModule, EventLogModule, StreamModule, CountersModule],
  controllers: [SiteController],
  providers: [SiteService],
  exports: [SiteService],
})
export class SiteModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(readerCookie).forRoutes(SiteController);
  }
}
