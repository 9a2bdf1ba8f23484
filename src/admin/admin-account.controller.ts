import { Controller, Get, HttpCode, HttpStatus, Post, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import { AccountService } from '../account/account.service';
import { UpdateAccountDto } from '../account/dto/update-account.dto';
import { AuthService } from '../auth/auth.service';
import { toAccountView } from '../auth/user-view';
import type { AuthenticatedRequest } from '../auth/authenticated-request';
import { setSessionCookie } from '../auth/session-cookie';
import { WrongCredentialsError } from '../errors/domain-errors';
import { RateLimit } from '../rate-limits/rate-limit.decorator';
import { FieldErrors, FormBody, readForm } from '../validation/form';
import { adminPage } from './admin-page';
import { ChangeOwnPasswordDto } from './dto/invite-user.dto';
import { SessionOnly } from '../auth/session-only.decorator';
import { Audited } from '../auth/audit-log.interceptor';

/** Each user's own account: the name and picture readers see, and the password. */
@SessionOnly()
@Audited()
@Controller('admin/account')
export class AdminAccountController {
  constructor(
    private readonly authService: AuthService,
    private readonly accountService: AccountService,
  ) {}

  @Get()
  async show(@Req() request: AuthenticatedRequest, @Res() response: Response): Promise<void> {
    await this.render(request, response, {});
  }

  @Post('name')
  @HttpCode(HttpStatus.OK)
  async rename(
    @FormBody() body: Record<string, unknown>,
    @Req() request: AuthenticatedRequest,
    @Res() response: Response,
  ): Promise<void> {
    const { value, errors } = await readForm(UpdateAccountDto, body, ['name']);
    if (Object.keys(errors).length > 0) {
      response.status(HttpStatus.BAD_REQUEST);
      await this.render(request, response, { errors });
      return;
    }
    request.auth!.user = await this.accountService.rename(request.auth!.user, value.name);
    await this.render(request, response, { renamed: true });
  }

  /** Guessing the current password through a stolen session is limited like signing in. */
  @Post('password')
  @RateLimit('sign-in')
  @HttpCode(HttpStatus.OK)
  async changePassword(
    @FormBody() body: Record<string, unknown>,
    @Req() request: AuthenticatedRequest,
    @Res() response: Response,
  ): Promise<void> {
    const { value, errors } = await readForm(ChangeOwnPasswordDto, body, [
      'currentPassword',
      'newPassword',
    ]);
    if (Object.keys(errors).length === 0) {
      try {
        const { started, revokedTokens } = await this.authService.changeOwnPassword(
          request.auth!.user,
          value.currentPassword,
          value.newPassword,
        );
        setSessionCookie(request, response, started.token);
        request.auth = { user: started.session.user!, session: started.session };
        await this.render(request, response, { revokedTokens });
        return;
      } catch (error) {
        if (!(error instanceof WrongCredentialsError)) throw error;
        errors.currentPassword = error.message;
      }
    }
    response.status(HttpStatus.BAD_REQUEST);
    await this.render(request, response, { errors });
  }

  private async render(
    request: AuthenticatedRequest,
    response: Response,
    page: { errors?: FieldErrors; revokedTokens?: number; renamed?: boolean },
  ): Promise<void> {
    const account = toAccountView(await this.accountService.find(request.auth!.user));
    response.render('admin/account', {
      ...adminPage(request, 'Your account', 'account'),
      account,
      renamed: page.renamed ?? false,
      errors: page.errors ?? {},
      changed: page.revokedTokens !== undefined,
      revokedTokens: page.revokedTokens,
    });
  }
}
