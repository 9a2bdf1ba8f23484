import {
  Body,
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
import { readForm } from '../validation/form';
import { CreateFirstAdminDto, PASSWORD_MIN_LENGTH } from './dto/create-first-admin.dto';
import { Public } from './public.decorator';
import { SameOriginGuard } from './same-origin.guard';
import { setSessionCookie } from './session-cookie';
import { SessionsService } from './sessions.service';
import { SetupService } from './setup.service';
import { RateLimit } from '../rate-limits/rate-limit.decorator';

/** The page behind the one-time setup link: whoever opens it first creates the first admin. */
@Public()
@Controller('admin/setup')
export class SetupController {
  constructor(
    private readonly setupService: SetupService,
    private readonly sessionsService: SessionsService,
  ) {}

  @Get()
  show(@Query('token') token: unknown, @Res() response: Response): void {
    this.renderForm(response, { token, values: {}, errors: {} });
  }

  /** A plain HTML form post: field errors are shown next to the fields, not as JSON. */
  @Post()
  @UseGuards(SameOriginGuard)
  @RateLimit('sign-in', 'sign-in-account')
  @HttpCode(HttpStatus.OK)
  async submit(
    @Body() body: Record<string, unknown>,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const { value: form, errors } = await readForm(CreateFirstAdminDto, body, [
      'token',
      'email',
      'name',
      'password',
    ]);
    if (Object.keys(errors).length > 0 || !this.setupService.isValidToken(form.token)) {
      response.status(HttpStatus.BAD_REQUEST);
      this.renderForm(response, {
        token: form.token,
        values: { email: form.email, name: form.name },
        errors,
      });
      return;
    }
    const { token: setupToken, ...admin } = form;
    const user = await this.setupService.createFirstAdmin(setupToken, admin);
    const { token } = await this.sessionsService.start(user);
    setSessionCookie(request, response, token);
    response.render('pages/setup-done', { title: 'Welcome to Liveblog', user });
  }

  private renderForm(
    response: Response,
    page: { token: unknown; values: Record<string, unknown>; errors: Record<string, unknown> },
  ): void {
    if (!this.setupService.isValidToken(page.token)) {
      response
        .status(HttpStatus.NOT_FOUND)
        .render('pages/setup-used', { title: 'Setup link not valid' });
      return;
    }
    response.render('pages/setup', {
      title: 'Create the first admin',
      passwordMinLength: PASSWORD_MIN_LENGTH,
      ...page,
    });
  }
}
