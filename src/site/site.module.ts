import { Module } from '@nestjs/common';
import { BlogsModule } from '../blogs/blogs.module';
import { EventLogModule } from '../event-log/event-log.module';
import { PostsModule } from '../posts/posts.module';
import { SiteController } from './site.controller';
import { SiteService } from './site.service';

@Module({
  imports: [BlogsModule, PostsModule, EventLogModule],
  controllers: [SiteController],
  providers: [SiteService],
})
export class SiteModule {}
