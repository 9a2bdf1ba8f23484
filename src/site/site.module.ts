import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { CountersModule } from '../counters/counters.module';
import { framedReaderCookie, readerCookie } from '../counters/reader-cookie';
import { StreamModule } from '../stream/stream.module';
import { BlogsModule } from '../blogs/blogs.module';
import { EventLogModule } from '../event-log/event-log.module';
import { PostsModule } from '../posts/posts.module';
import { EmbedController } from './embed.controller';
import { PageMetaService } from './page-meta.service';
import { SearchEnginesController } from './search-engines.controller';
import { SearchEnginesService } from './search-engines.service';
import { SiteController } from './site.controller';
import { SiteService } from './site.service';

@Module({
  imports: [BlogsModule, PostsModule, EventLogModule, StreamModule, CountersModule],
  controllers: [SiteController, EmbedController, SearchEnginesController],
  providers: [SiteService, PageMetaService, SearchEnginesService],
  exports: [SiteService],
})
export class SiteModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(readerCookie).forRoutes(SiteController);
    consumer
      .apply(framedReaderCookie)
      .forRoutes({ path: 'blogs/:slug/embed', method: RequestMethod.GET });
  }
}
