import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Blog } from '../blogs/blog.entity';
import { PostsModule } from '../posts/posts.module';
import { FeedsController } from './feeds.controller';
import { FeedsService } from './feeds.service';

/** A blog's Atom feed, for feed readers. */
@Module({
  imports: [TypeOrmModule.forFeature([Blog]), PostsModule],
  controllers: [FeedsController],
  providers: [FeedsService],
})
export class FeedsModule {}
