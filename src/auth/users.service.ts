import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, IsNull, Repository } from 'typeorm';
import { forUpdate, takeTurns } from '../database/row-locks';
import { Transactions } from '../database/transactions';
import { ConflictError, NotFoundError } from '../errors/domain-errors';
import { isUniqueViolation } from '../database/database-errors';
import { normalizeEmail } from '../validation/text.decorators';
import { ApiToken } from './api-token.entity';
import { hashPassword } from './password';
import { Session } from './session.entity';
import { User, UserRole } from './user.entity';

export interface NewUser {
  email: string;
  name: string;
  role: UserRole;
  password: string;
}

/** The advisory lock of changes to who is an admin ("LBADMINS"). */
const ADMIN_ROSTER_LOCK = 0x4c424144_4d494e53n;

@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly transactions: Transactions,
  ) {}

  count(): Promise<number> {
    return this.users.count();
  }

  /** A current (not removed) user. */
  findByEmail(email: string): Promise<User | null> {
    return this.users.findOneBy({ email: normalizeEmail(email), removedAt: IsNull() });
  }

  /** The current users, admins first, then by name. */
  list(): Promise<User[]> {
    return this.users.find({ where: { removedAt: IsNull() }, order: { role: 'ASC', name: 'ASC' } });
  }

  /**
   * Creates an account; for the address of a removed user, restores that account with the new
   * name, role and password (their entries are theirs again).
   */
  async create(user: NewUser): Promise<User> {
    const passwordHash = await hashPassword(user.password);
    const email = normalizeEmail(user.email);
    const exists = new ConflictError('A user with this email exists');
    try {
      return await this.transactions.run(async (manager) => {
        const existing = await manager.findOneBy(User, { email });
        if (existing && !existing.removedAt) throw exists;
        const fields = { name: user.name, role: user.role, passwordHash, removedAt: null };
        return await manager.save(
          existing
            ? Object.assign(existing, fields)
            : manager.create(User, { ...fields, email, createdAt: new Date() }),
        );
      });
    } catch (error) {
      // On PostgreSQL two processes may create the same user at once: the second one's insert.
      throw isUniqueViolation(error) ? exists : error;
    }
  }

  /** Changes a user's role; the last admin cannot stop being one. */
  async changeRole(id: number, role: UserRole): Promise<User> {
    return this.transactions.run(async (manager) => {
      const user = await this.current(manager, id);
      if (user.role === 'admin' && role !== 'admin') await this.keepAnAdmin(manager);
      user.role = role;
      return manager.save(user);
    });
  }

  /**
   * Sets a user's password. Whoever knew the old one is out at once: every session of the
   * user ends and their API tokens are revoked. Returns how many tokens were revoked.
   */
  async changePassword(id: number, password: string): Promise<number> {
    const passwordHash = await hashPassword(password);
    return this.transactions.run(async (manager) => {
      const user = await this.current(manager, id);
      user.passwordHash = passwordHash;
      await manager.save(user);
      await manager.delete(Session, { userId: id });
      const { affected } = await manager.delete(ApiToken, { userId: id });
      return affected ?? 0;
    });
  }

  /**
   * Removes a user: they cannot sign in any more, their sessions end and their API tokens stop
   * working at once. The last admin cannot be removed.
   */
  async remove(id: number): Promise<void> {
    await this.transactions.run(async (manager) => {
      const user = await this.current(manager, id);
      if (user.role === 'admin') await this.keepAnAdmin(manager);
      user.removedAt = new Date();
      await manager.save(user);
      await manager.delete(Session, { userId: id });
      await manager.delete(ApiToken, { userId: id });
    });
  }

  private async current(manager: EntityManager, id: number): Promise<User> {
    const user = await manager.findOne(User, {
      where: { id, removedAt: IsNull() },
      lock: forUpdate(manager, User),
    });
    if (!user) throw new NotFoundError(`No user ${id}`);
    return user;
  }

  private async keepAnAdmin(manager: EntityManager): Promise<void> {
    // Two admins demoting each other on two processes: the second counts after the first commits.
    await takeTurns(manager, ADMIN_ROSTER_LOCK);
    const admins = await manager.countBy(User, { role: 'admin', removedAt: IsNull() });
    if (admins <= 1) throw new ConflictError('The last admin cannot be removed or made an editor');
  }
}
