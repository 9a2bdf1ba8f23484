import {
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { AuthService } from '../auth/auth.service';
import { LoginDto } from '../auth/dto/login.dto';
import { Public } from '../auth/public.decorator';
import { SameOriginGuard } from '../auth/same-origin.guard';
import { clearSessionCookie, readSessionCookie, setSessionCookie } from '../auth/session-cookie';
import { SessionsService } from '../auth/sessions.service';
import { WrongCredentialsError } from '../errors/domain-errors';
import { FormBody, readForm } from '../validation/form';
import { RateLimit } from '../rate-limits/rate-limit.decorator';
import { SessionOnly } from '../auth/session-only.decorator';
import { Audited } from '../auth/audit-log.interceptor';

/** Where to go after signing in: only a page of the admin, never another site. */
function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/admin(\/[\w\-./%]*)?$/.test(next) && !next.includes('//')
    ? next
    : '/admin';
}

/** Signing editors in and out with HTML forms. */
@SessionOnly()
@Audited()
@Controller('admin')
export class AdminAuthController {
  constructor(
    private readonly authService: AuthService,
    private readonly sessionsService: SessionsService,
  ) {}

  @Public()
  @Get('login')
  showLogin(@Query('next') next: unknown, @Res() response: Response): void {
    response.render('admin/login', {
      title: 'Sign in',
      next: safeNext(next),
      values: {},
      errors: {},
    });
  }

  @Public()
  @Post('login')
  @UseGuards(SameOriginGuard)
  @RateLimit('sign-in', 'sign-in-account')
  @HttpCode(HttpStatus.OK)
  async login(
    @FormBody() body: Record<string, unknown>,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const next = safeNext(body.next);
    const { value, errors } = await readForm(LoginDto, body, ['email', 'password']);
    const showForm = (status: number, formErrors: Record<string, string>) =>
      response.status(status).render('admin/login', {
        title: 'Sign in',
        next,
        values: { email: typeof body.email === 'string' ? body.email : '' },
        errors: formErrors,
      });
    if (Object.keys(errors).length > 0) return showForm(HttpStatus.BAD_REQUEST, errors);
    try {
      const { token } = await this.authService.login(
        value.email,
        value.password,
        readSessionCookie(request),
      );
      setSessionCookie(request, response, token);
      response.redirect(HttpStatus.SEE_OTHER, next);
    } catch (error) {
      if (!(error instanceof WrongCredentialsError)) throw error;
      showForm(HttpStatus.UNAUTHORIZED, { form: 'Wrong email or password' });
    }
  }

  @Post('logout')
  async logout(@Req() request: Request, @Res() response: Response): Promise<void> {
    const token = readSessionCookie(request);
    if (token) await this.sessionsService.end(token);
    clearSessionCookie(request, response);
    response.redirect(HttpStatus.SEE_OTHER, '/admin/login');
  }
}
