import { Controller, Get, HttpStatus, Post, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ApiTokensService, toApiTokenView } from '../auth/api-tokens.service';
import type { AuthenticatedRequest } from '../auth/authenticated-request';
import { CreateApiTokenDto } from '../auth/dto/create-api-token.dto';
import { NotFoundError } from '../errors/domain-errors';
import { IdParam } from '../validation/id-param.pipe';
import { FieldErrors, FormBody, readForm } from '../validation/form';
import { adminPage } from './admin-page';
import { RateLimit } from '../rate-limits/rate-limit.decorator';
import { SessionOnly } from '../auth/session-only.decorator';
import { Audited } from '../auth/audit-log.interceptor';

/** Each editor's API tokens, for scripts that publish through the API. */
@RateLimit('writes')
@SessionOnly()
@Audited()
@Controller('admin/tokens')
export class AdminTokensController {
  constructor(private readonly apiTokensService: ApiTokensService) {}

  @Get()
  async list(@Req() request: AuthenticatedRequest, @Res() response: Response): Promise<void> {
    await this.render(request, response, {});
  }

  /** The secret is on this page only, once. */
  @Post()
  async create(
    @FormBody() body: Record<string, unknown>,
    @Req() request: AuthenticatedRequest,
    @Res() response: Response,
  ): Promise<void> {
    const { value, errors } = await readForm(CreateApiTokenDto, body, ['name']);
    if (errors.name) {
      response.status(HttpStatus.BAD_REQUEST);
      await this.render(request, response, { errors });
      return;
    }
    const { token, secret } = await this.apiTokensService.create(request.auth!.user, value.name);
    response.status(HttpStatus.CREATED);
    await this.render(request, response, { created: { name: token.name, secret } });
  }

  @Post(':id/revoke')
  async revoke(
    @IdParam() id: number,
    @Req() request: AuthenticatedRequest,
    @Res() response: Response,
  ): Promise<void> {
    try {
      await this.apiTokensService.revoke(request.auth!.user, id);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
    response.redirect(HttpStatus.SEE_OTHER, '/admin/tokens');
  }

  private async render(
    request: AuthenticatedRequest,
    response: Response,
    page: { errors?: FieldErrors; created?: { name: string; secret: string } },
  ): Promise<void> {
    const tokens = await this.apiTokensService.list(request.auth!.user);
    response.render('admin/tokens', {
      ...adminPage(request, 'API tokens', 'tokens'),
      tokens: tokens.map(toApiTokenView),
      errors: page.errors ?? {},
      created: page.created,
    });
  }
}
