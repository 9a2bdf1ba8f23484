import { Body, Controller, Delete, Get, HttpCode, Patch, Post } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiErrors } from '../api-docs/api-errors.decorator';
import { Audited } from '../auth/audit-log.interceptor';
import { CurrentUser } from '../auth/current-user.decorator';
import { Roles } from '../auth/roles.decorator';
import type { User } from '../auth/user.entity';
import { RateLimit } from '../rate-limits/rate-limit.decorator';
import { IdParam } from '../validation/id-param.pipe';
import { CreateWebhookDto } from './dto/create-webhook.dto';
import { UpdateWebhookDto } from './dto/update-webhook.dto';
import {
  WebhookAnswer,
  WebhookDeliveryListAnswer,
  WebhookListAnswer,
  WebhookWithSecretAnswer,
} from './dto/webhook.response';
import {
  toWebhookDeliveryView,
  toWebhookView,
  WebhookDeliveryView,
  WebhookView,
} from './webhook-view';
import { WebhooksService } from './webhooks.service';

const NO_SUCH_WEBHOOK = 'No such webhook.';
const BAD_ID = 'The id is not a positive integer.';

@ApiTags('Webhooks')
@Roles('admin')
@RateLimit('writes')
@Audited()
@Controller('api/webhooks')
export class WebhooksController {
  constructor(private readonly webhooksService: WebhooksService) {}

  @Get()
  @ApiOperation({ summary: 'The webhooks, with their delivery state' })
  @ApiOkResponse({ type: WebhookListAnswer })
  async list(): Promise<{ webhooks: WebhookView[] }> {
    return { webhooks: (await this.webhooksService.list()).map(toWebhookView) };
  }

  /** The secret is in this answer, and in the rotation's. */
  @Post()
  @ApiOperation({
    summary: 'Add a webhook',
    description:
      'It gets every durable event of the blog (or of every blog) published from now on, POSTed and signed with its secret (docs/webhooks.md).',
  })
  @ApiCreatedResponse({ type: WebhookWithSecretAnswer })
  @ApiErrors({ 400: 'Bad input; the message says what.', 404: 'No such blog.' })
  async create(
    @CurrentUser() user: User,
    @Body() dto: CreateWebhookDto,
  ): Promise<{ webhook: WebhookView; secret: string }> {
    const webhook = await this.webhooksService.create(user, dto);
    return { webhook: toWebhookView(webhook), secret: webhook.secret };
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change its URL, pause or resume it' })
  @ApiOkResponse({ type: WebhookAnswer })
  @ApiErrors({ 400: 'Bad input; the message says what.', 404: NO_SUCH_WEBHOOK })
  async update(
    @IdParam() id: number,
    @Body() dto: UpdateWebhookDto,
  ): Promise<{ webhook: WebhookView }> {
    return { webhook: toWebhookView(await this.webhooksService.update(id, dto)) };
  }

  @Post(':id/secret')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Rotate its secret',
    description: 'The next request is signed with the new secret; the old one stops at once.',
  })
  @ApiOkResponse({ type: WebhookWithSecretAnswer })
  @ApiErrors({ 400: BAD_ID, 404: NO_SUCH_WEBHOOK })
  async rotateSecret(@IdParam() id: number): Promise<{ webhook: WebhookView; secret: string }> {
    const webhook = await this.webhooksService.rotateSecret(id);
    return { webhook: toWebhookView(webhook), secret: webhook.secret };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a webhook, and its deliveries' })
  @ApiNoContentResponse({ description: 'Removed.' })
  @ApiErrors({ 400: BAD_ID, 404: NO_SUCH_WEBHOOK })
  remove(@IdParam() id: number): Promise<void> {
    return this.webhooksService.remove(id);
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: 'Its recent deliveries and failures, newest first' })
  @ApiOkResponse({ type: WebhookDeliveryListAnswer })
  @ApiErrors({ 400: BAD_ID, 404: NO_SUCH_WEBHOOK })
  async deliveries(@IdParam() id: number): Promise<{ deliveries: WebhookDeliveryView[] }> {
    const deliveries = await this.webhooksService.recentDeliveries(id);
    return { deliveries: deliveries.map(toWebhookDeliveryView) };
  }
}
