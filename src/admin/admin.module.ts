import { Module } from '@nestjs/common';
import { AccountModule } from '../account/account.module';
import { AuthModule } from '../auth/auth.module';
import { BlogsModule } from '../blogs/blogs.module';
import { PostsModule } from '../posts/posts.module';
import { SiteModule } from '../site/site.module';
import { StreamModule } from '../stream/stream.module';
import { AdminAccountController } from './admin-account.controller';
import { AdminAuthController } from './admin-auth.controller';
import { AdminController } from './admin.controller';
import { AdminTokensController } from './admin-tokens.controller';
import { AdminUsersController } from './admin-users.controller';
import { AdminService } from './admin.service';

@Module({
  imports: [AccountModule, AuthModule, BlogsModule, PostsModule, StreamModule, SiteModule],
  controllers: [
    AdminAuthController,
    AdminController,
    AdminUsersController,
    AdminTokensController,
    AdminAccountController,
  ],
  providers: [AdminService],
})
export class AdminModule {}
