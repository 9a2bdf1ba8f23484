import { Controller, Get, HttpStatus, Post, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { AuthenticatedRequest } from '../auth/authenticated-request';
import { Roles } from '../auth/roles.decorator';
import { toUserView } from '../auth/user-view';
import { UsersService } from '../auth/users.service';
import { ConflictError } from '../errors/domain-errors';
import { IdParam } from '../validation/id-param.pipe';
import { FieldErrors, FormBody, readForm } from '../validation/form';
import { adminPage } from './admin-page';
import { ChangeRoleDto, InviteUserDto, SetPasswordDto } from './dto/invite-user.dto';
import { RateLimit } from '../rate-limits/rate-limit.decorator';
import { SessionOnly } from '../auth/session-only.decorator';
import { Audited } from '../auth/audit-log.interceptor';

/** Admins manage who may write: invite, change roles, remove. */
@Roles('admin')
@RateLimit('writes')
@SessionOnly()
@Audited()
@Controller('admin/users')
export class AdminUsersController {
  constructor(private readonly usersService: UsersService) {}

  @Get()
  async list(@Req() request: AuthenticatedRequest, @Res() response: Response): Promise<void> {
    await this.render(request, response, {});
  }

  @Post()
  async invite(
    @FormBody() body: Record<string, unknown>,
    @Req() request: AuthenticatedRequest,
    @Res() response: Response,
  ): Promise<void> {
    const { value, errors } = await readForm(InviteUserDto, body, [
      'email',
      'name',
      'role',
      'password',
    ]);
    if (Object.keys(errors).length === 0) {
      try {
        await this.usersService.create(value);
        response.redirect(HttpStatus.SEE_OTHER, '/admin/users');
        return;
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        errors.email = error.message;
      }
    }
    response.status(HttpStatus.BAD_REQUEST);
    await this.render(request, response, { values: { ...body, password: '' }, errors });
  }

  @Post(':id/role')
  async changeRole(
    @IdParam() id: number,
    @FormBody() body: Record<string, unknown>,
    @Req() request: AuthenticatedRequest,
    @Res() response: Response,
  ): Promise<void> {
    const { value, errors } = await readForm(ChangeRoleDto, body, ['role']);
    await this.act(request, response, errors.role, () =>
      this.usersService.changeRole(id, value.role),
    );
  }

  /** For a user who forgot theirs, or whose password leaked: their sessions and tokens end. */
  @Post(':id/password')
  async setPassword(
    @IdParam() id: number,
    @FormBody() body: Record<string, unknown>,
    @Req() request: AuthenticatedRequest,
    @Res() response: Response,
  ): Promise<void> {
    const { value, errors } = await readForm(SetPasswordDto, body, ['password']);
    await this.act(request, response, errors.password, () =>
      this.usersService.changePassword(id, value.password),
    );
  }

  @Post(':id/remove')
  async remove(
    @IdParam() id: number,
    @Req() request: AuthenticatedRequest,
    @Res() response: Response,
  ): Promise<void> {
    await this.act(request, response, undefined, () => this.usersService.remove(id));
  }

  /**
   * Runs a change and goes back to the list; an invalid form (400) or a change the users'
   * state refuses (409) is shown at the top of the list instead.
   */
  private async act(
    request: AuthenticatedRequest,
    response: Response,
    invalid: string | undefined,
    change: () => Promise<unknown>,
  ): Promise<void> {
    if (invalid) {
      response.status(HttpStatus.BAD_REQUEST);
      return this.render(request, response, { problem: invalid });
    }
    try {
      await change();
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      response.status(HttpStatus.CONFLICT);
      return this.render(request, response, { problem: error.message });
    }
    response.redirect(HttpStatus.SEE_OTHER, '/admin/users');
  }

  private async render(
    request: AuthenticatedRequest,
    response: Response,
    page: { values?: Record<string, unknown>; errors?: FieldErrors; problem?: string },
  ): Promise<void> {
    const users = (await this.usersService.list()).map(toUserView);
    response.render('admin/users', {
      ...adminPage(request, 'Users', 'users'),
      users: users.map((user) => ({ ...user, isSelf: user.id === request.auth!.user.id })),
      values: page.values ?? { role: 'editor' },
      errors: page.errors ?? {},
      problem: page.problem,
    });
  }
}
