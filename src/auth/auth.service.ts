import { Injectable } from '@nestjs/common';
import { WrongCredentialsError } from '../errors/domain-errors';
import { hashPassword, verifyPassword } from './password';
import { SessionsService, StartedSession } from './sessions.service';
import type { User } from './user.entity';
import { UsersService } from './users.service';

@Injectable()
export class AuthService {
  /** Checked against when the email is unknown, so both failures take as long. */
  private readonly decoyHash = hashPassword('not a password of anyone');

  constructor(
    private readonly usersService: UsersService,
    private readonly sessionsService: SessionsService,
  ) {}

  /**
   * Signs a user in with a brand-new session (the id is never reused from before sign-in),
   * ending the session the browser had, if any.
   */
  async login(email: string, password: string, previousToken?: string): Promise<StartedSession> {
    const user = await this.usersService.findByEmail(email);
    const valid = await verifyPassword(password, user?.passwordHash ?? (await this.decoyHash));
    if (!user || !valid) throw new WrongCredentialsError('Wrong email or password');
    if (previousToken) await this.sessionsService.end(previousToken);
    return this.sessionsService.start(user);
  }

  /**
   * Changes the signed-in user's own password, given the current one. Every session ends
   * and every API token of the user is revoked; this browser gets a new session.
   */
  async changeOwnPassword(
    user: User,
    currentPassword: string,
    newPassword: string,
  ): Promise<{ started: StartedSession; revokedTokens: number }> {
    if (!(await verifyPassword(currentPassword, user.passwordHash))) {
      throw new WrongCredentialsError('The current password is not right');
    }
    const revokedTokens = await this.usersService.changePassword(user.id, newPassword);
    return { started: await this.sessionsService.start(user), revokedTokens };
  }
}
