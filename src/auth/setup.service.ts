import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { ConflictError, ForbiddenError } from '../errors/domain-errors';
import { newSecret } from './secret-token';
import type { User } from './user.entity';
import { UsersService } from './users.service';

export interface FirstAdmin {
  email: string;
  name: string;
  password: string;
}

/**
 * Makes sure someone can administer a new installation: the admin of ADMIN_EMAIL and
 * ADMIN_PASSWORD, else (no user at all) a one-time setup link printed to the log.
 */
@Injectable()
export class SetupService implements OnApplicationBootstrap {
  private readonly logger = new Logger(SetupService.name);
  /** Kept in memory only: a restart before it is used prints a new link. */
  private setupToken?: string;

  constructor(
    private readonly config: AppConfig,
    private readonly usersService: UsersService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { ADMIN_EMAIL: email, ADMIN_PASSWORD: password } = this.config;
    if (email && password) {
      if (!(await this.usersService.findByEmail(email))) {
        try {
          await this.usersService.create({ email, password, name: 'Admin', role: 'admin' });
          this.logger.log(`Created the admin ${email} from ADMIN_EMAIL`);
        } catch (error) {
          // Several processes starting together: another one created it first.
          if (!(error instanceof ConflictError)) throw error;
        }
      }
    } else if ((await this.usersService.count()) === 0) {
      this.setupToken = newSecret();
    }
  }

  /** The link that creates the first admin, when one is needed; call once the URL is known. */
  announceSetupLink(baseUrl: string): void {
    if (!this.setupToken) return;
    this.logger.warn(
      `No admin yet. Open this one-time link to create one: ${baseUrl}/admin/setup?token=${this.setupToken}`,
    );
  }

  isValidToken(token: unknown): boolean {
    if (typeof token !== 'string' || !this.setupToken) return false;
    const given = Buffer.from(token);
    const expected = Buffer.from(this.setupToken);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** Creates the first admin; the token works once. */
  async createFirstAdmin(token: string, admin: FirstAdmin): Promise<User> {
    if (!this.isValidToken(token)) {
      throw new ForbiddenError('This setup link is invalid or has already been used');
    }
    // Spend the token before the first await, so two submissions cannot both pass.
    const spent = this.setupToken;
    this.setupToken = undefined;
    try {
      return await this.usersService.create({ ...admin, role: 'admin' });
    } catch (error) {
      this.setupToken = spent;
      throw error;
    }
  }
}
