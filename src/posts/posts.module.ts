import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BlogsModule } from '../blogs/blogs.module';
import { EventLogModule } from '../event-log/event-log.module';
import { MediaModule } from '../media/media.module';
import { PublishTimingMiddleware } from '../metrics/publish-timing.middleware';
import { EntryRenderer } from './entry-renderer';
import { Post } from './post.entity';
import { PostsController } from './posts.controller';
import { PreviewController } from './preview.controller';
import { PostsService } from './posts.service';
import { ScheduledPublisher } from './scheduled-publisher';

@Module({
  imports: [TypeOrmModule.forFeature([Post]), BlogsModule, EventLogModule, MediaModule],
  controllers: [PostsController, PreviewController],
  providers: [PostsService, EntryRenderer, ScheduledPublisher],
  exports: [PostsService],
})
export class PostsModule implements NestModule {
  /** The entry writes, timed for the metrics. */
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(PublishTimingMiddleware)
      .forRoutes(
        { path: 'api/blogs/:slug/posts', method: RequestMethod.POST },
        { path: 'api/blogs/:slug/posts/:id', method: RequestMethod.PATCH },
        { path: 'api/blogs/:slug/posts/:id', method: RequestMethod.DELETE },
      );
  }
}
