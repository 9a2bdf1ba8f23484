import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BlogsModule } from '../blogs/blogs.module';
import { EventLogModule } from '../event-log/event-log.module';
import { MediaModule } from '../media/media.module';
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
export class PostsModule {}
