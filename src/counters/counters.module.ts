import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BlogsModule } from '../blogs/blogs.module';
import { Post } from '../posts/post.entity';
import { EventLogModule } from '../event-log/event-log.module';
import { ViewCounter } from './view-counter.service';
import { ViewsController } from './views.controller';

@Module({
  imports: [TypeOrmModule.forFeature([Post]), BlogsModule, EventLogModule],
  controllers: [ViewsController],
  providers: [ViewCounter],
  exports: [ViewCounter],
})
export class CountersModule {}
