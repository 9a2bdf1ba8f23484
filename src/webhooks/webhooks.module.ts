import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BlogsModule } from '../blogs/blogs.module';
import { EventLogModule } from '../event-log/event-log.module';
import { LogEvent } from '../event-log/log-event.entity';
import { WebhookDelivery } from './webhook-delivery.entity';
import { WebhookSender } from './webhook-sender';
import { Webhook } from './webhook.entity';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([Webhook, WebhookDelivery, LogEvent]),
    BlogsModule,
    EventLogModule,
  ],
  controllers: [WebhooksController],
  providers: [WebhooksService, WebhookSender],
  exports: [WebhooksService],
})
export class WebhooksModule {}
