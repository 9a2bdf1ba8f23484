import { Body, Controller, Get, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AuthService } from './auth.service';
import { ApiErrors } from '../api-docs/api-errors.decorator';
import type { AuthenticatedRequest } from './authenticated-request';
import { CurrentUserAnswer, SignedInAnswer } from './dto/user.response';
import { CreateFirstAdminDto } from './dto/create-first-admin.dto';
import { LoginDto } from './dto/login.dto';
import { Public } from './public.decorator';
import { SameOriginGuard } from './same-origin.guard';
import { clearSessionCookie, readSessionCookie, setSessionCookie } from './session-cookie';
import { SessionsService } from './sessions.service';
import { SetupService } from './setup.service';
import { toUserView, UserView } from './user-view';
import { RateLimit } from '../rate-limits/rate-limit.decorator';
import { Audited } from './audit-log.interceptor';

interface SignedIn {
  user: UserView;
  csrfToken: string;
}

@ApiTags('Sign-in')
@Audited()
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly authService: AuthService,
    private readonly sessionsService: SessionsService,
    private readonly setupService: SetupService,
  ) {}

  @Public()
  @UseGuards(SameOriginGuard)
  @RateLimit('sign-in', 'sign-in-account')
  @Post('login')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Sign in',
    description:
      "Sets the `liveblog_session` cookie (HttpOnly, SameSite=Lax); writes made with it need the answer's `csrfToken` as `X-CSRF-Token`.",
  })
  @ApiOkResponse({ type: SignedInAnswer })
  @ApiErrors({ 400: 'Bad input; the message says what.', 401: 'Wrong email or password.' })
  async login(
    @Body() dto: LoginDto,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<SignedIn> {
    const { token, session } = await this.authService.login(
      dto.email,
      dto.password,
      readSessionCookie(request),
    );
    setSessionCookie(request, response, token);
    return { user: toUserView(session.user!), csrfToken: session.csrfToken };
  }

  @Post('logout')
  @HttpCode(204)
  @ApiOperation({ summary: 'Sign out: ends this session' })
  @ApiNoContentResponse({ description: 'Signed out; the cookie is cleared.' })
  async logout(
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<void> {
    const token = readSessionCookie(request);
    if (token) await this.sessionsService.end(token);
    clearSessionCookie(request, response);
  }

  @Get('me')
  @ApiOperation({ summary: 'Who is signed in, and the CSRF token of this session' })
  @ApiOkResponse({ type: CurrentUserAnswer })
  me(@Req() request: AuthenticatedRequest): { user: UserView; csrfToken: string | null } {
    const auth = request.auth!;
    return { user: toUserView(auth.user), csrfToken: auth.session?.csrfToken ?? null };
  }

  /** Creates the first admin with the one-time token of the setup link, and signs them in. */
  @Public()
  @UseGuards(SameOriginGuard)
  @RateLimit('sign-in', 'sign-in-account')
  @Post('setup')
  @ApiOperation({
    summary: 'Create the first admin',
    description: 'With the token of the one-time setup link; signs them in.',
  })
  @ApiCreatedResponse({ type: SignedInAnswer })
  @ApiErrors({
    400: 'Bad input; the message says what.',
    403: 'The setup link is not valid, or already used.',
  })
  async setup(
    @Body() dto: CreateFirstAdminDto,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<SignedIn> {
    const { token: setupToken, ...admin } = dto;
    const user = await this.setupService.createFirstAdmin(setupToken, admin);
    const { token, session } = await this.sessionsService.start(user);
    setSessionCookie(request, response, token);
    return { user: toUserView(user), csrfToken: session.csrfToken };
  }
}
