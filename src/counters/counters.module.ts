import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BlogsModule } from '../blogs/blogs.module';
import { Post } from '../posts/post.entity';
import { StreamModule } from '../stream/stream.module';
import { ViewCounter } from './view-counter.service';
import { ViewsController } from './views.controller';

@Module({
  imports: [TypeOrmModule.forFeature([Post]), BlogsModule, StreamModule],
  controllers: [ViewsController],
  providers: [ViewCounter],
  exports: [ViewCounter],
})
export class CountersModule {}
