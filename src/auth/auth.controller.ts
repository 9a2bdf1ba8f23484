import { Body, Controller, Get, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AuthService } from './auth.service';
import type { AuthenticatedRequest } from './authenticated-request';
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
  async logout(
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<void> {
    const token = readSessionCookie(request);
    if (token) await this.sessionsService.end(token);
    clearSessionCookie(request, response);
  }

  @Get('me')
  me(@Req() request: AuthenticatedRequest): { user: UserView; csrfToken: string | null } {
    const auth = request.auth!;
    return { user: toUserView(auth.user), csrfToken: auth.session?.csrfToken ?? null };
  }

  /** Creates the first admin with the one-time token of the setup link, and signs them in. */
  @Public()
  @UseGuards(SameOriginGuard)
  @RateLimit('sign-in', 'sign-in-account')
  @Post('setup')
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
