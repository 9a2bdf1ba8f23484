import { Controller, Get, HttpStatus, Post, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { AuthenticatedRequest } from '../auth/authenticated-request';
import { Audited } from '../auth/audit-log.interceptor';
import { Roles } from '../auth/roles.decorator';
import { SessionOnly } from '../auth/session-only.decorator';
import { BlogsService } from '../blogs/blogs.service';
import { NotFoundError } from '../errors/domain-errors';
import { RateLimit } from '../rate-limits/rate-limit.decorator';
import { FieldErrors, FormBody, readForm } from '../validation/form';
import { IdParam } from '../validation/id-param.pipe';
import { CreateWebhookDto } from '../webhooks/dto/create-webhook.dto';
import { toWebhookDeliveryView, toWebhookView } from '../webhooks/webhook-view';
import { WebhooksService } from '../webhooks/webhooks.service';
import { adminPage } from './admin-page';

/** The deliveries each webhook shows on the page; the API lists more. */
const DELIVERIES_SHOWN = 10;

/** Admins' webhooks: add, pause or resume, rotate the secret, remove; recent deliveries. */
@Roles('admin')
@RateLimit('writes')
@SessionOnly()
@Audited()
@Controller('admin/webhooks')
export class AdminWebhooksController {
  constructor(
    private readonly webhooksService: WebhooksService,
    private readonly blogsService: BlogsService,
  ) {}

  @Get()
  async list(@Req() request: AuthenticatedRequest, @Res() response: Response): Promise<void> {
    await this.render(request, response, {});
  }

  @Post()
  async create(
    @FormBody() body: Record<string, unknown>,
    @Req() request: AuthenticatedRequest,
    @Res() response: Response,
  ): Promise<void> {
    // The form's "All blogs" is an empty choice: the API's left-out blog.
    const form = { ...body, blog: body.blog === '' ? undefined : body.blog };
    const { value, errors } = await readForm(CreateWebhookDto, form, ['url', 'blog']);
    if (Object.keys(errors).length === 0) {
      try {
        await this.webhooksService.create(request.auth!.user, value);
        response.redirect(HttpStatus.SEE_OTHER, '/admin/webhooks');
        return;
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
        errors.blog = error.message;
      }
    }
    response.status(HttpStatus.BAD_REQUEST);
    await this.render(request, response, { values: body, errors });
  }

  /** `active=false` pauses it, `active=true` resumes it. */
  @Post(':id/active')
  async setActive(
    @IdParam() id: number,
    @FormBody() body: Record<string, unknown>,
    @Req() request: AuthenticatedRequest,
    @Res() response: Response,
  ): Promise<void> {
    if (body.active !== 'true' && body.active !== 'false') {
      response.status(HttpStatus.BAD_REQUEST);
      return this.render(request, response, { problem: 'active must be true or false' });
    }
    await this.webhooksService.update(id, { active: body.active === 'true' });
    response.redirect(HttpStatus.SEE_OTHER, '/admin/webhooks');
  }

  @Post(':id/secret')
  async rotateSecret(@IdParam() id: number, @Res() response: Response): Promise<void> {
    await this.webhooksService.rotateSecret(id);
    response.redirect(HttpStatus.SEE_OTHER, '/admin/webhooks');
  }

  @Post(':id/remove')
  async remove(@IdParam() id: number, @Res() response: Response): Promise<void> {
    await this.webhooksService.remove(id);
    response.redirect(HttpStatus.SEE_OTHER, '/admin/webhooks');
  }

  private async render(
    request: AuthenticatedRequest,
    response: Response,
    page: { values?: Record<string, unknown>; errors?: FieldErrors; problem?: string },
  ): Promise<void> {
    const [webhooks, deliveries, blogs] = await Promise.all([
      this.webhooksService.list(),
      this.webhooksService.recentDeliveriesOfAll(DELIVERIES_SHOWN),
      this.blogsService.list(),
    ]);
    const shown = webhooks.map((webhook) => ({
      ...toWebhookView(webhook),
      // Admins see the secret here: the receiver's configuration needs it.
      secret: webhook.secret,
      deliveries: (deliveries.get(webhook.id) ?? []).map(toWebhookDeliveryView),
    }));
    response.render('admin/webhooks', {
      ...adminPage(request, 'Webhooks', 'webhooks'),
      webhooks: shown,
      blogs: blogs.map((blog) => ({ slug: blog.slug, title: blog.title })),
      values: page.values ?? {},
      errors: page.errors ?? {},
      problem: page.problem,
    });
  }
}
