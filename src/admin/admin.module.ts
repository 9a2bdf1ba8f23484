import { Module } from '@nestjs/common';
import { AccountModule } from '../account/account.module';
import { AuthModule } from '../auth/auth.module';
import { BlogsModule } from '../blogs/blogs.module';
import { PostsModule } from '../posts/posts.module';
import { SiteModule } from '../site/site.module';
import { StreamModule } from '../stream/stream.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { AdminAccountController } from './admin-account.controller';
import { AdminAuthController } from './admin-auth.controller';
import { AdminController } from './admin.controller';
import { AdminTokensController } from './admin-tokens.controller';
import { AdminUsersController } from './admin-users.controller';
import { AdminWebhooksController } from './admin-webhooks.controller';
import { AdminService } from './admin.service';

@Module({
  imports: [
    AccountModule,
    AuthModule,
    BlogsModule,
    PostsModule,
    StreamModule,
    SiteModule,
    WebhooksModule,
  ],
  controllers: [
    AdminAuthController,
    AdminController,
    AdminUsersController,
    AdminTokensController,
    AdminAccountController,
    AdminWebhooksController,
  ],
  providers: [AdminService],
})
export class AdminModule {}
