import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BlogsModule } from '../blogs/blogs.module';
import { MediaController } from './media.controller';
import { Media } from './media.entity';
import { MediaService } from './media.service';
import { PhotoUploadInterceptor } from './photo-upload.interceptor';

@Module({
  imports: [TypeOrmModule.forFeature([Media]), BlogsModule],
  controllers: [MediaController],
  providers: [MediaService, PhotoUploadInterceptor],
  exports: [MediaService],
})
export class MediaModule {}
