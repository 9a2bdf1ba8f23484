import { ignoreStorageFailure } from '../database/database-errors';
import { Transactions } from '../database/transactions';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { hashSecret, newSecret } from './secret-token';
import { Session } from './session.entity';
import type { User } from './user.entity';

const HOUR = 60 * 60 * 1000;
/** A session ends after a week without use, and a month after sign-in whatever happens. */
export const SESSION_IDLE_MS = 7 * 24 * HOUR;
export const SESSION_MAX_AGE_MS = 30 * 24 * HOUR;
/** lastSeenAt is refreshed at most this often, so reading pages does not write on each request. */
const TOUCH_INTERVAL_MS = 5 * 60 * 1000;

export interface StartedSession {
  /** The cookie's value: the only copy of the secret. */
  token: string;
  session: Session;
}

/** Browser sessions, stored in SQLite so they survive a restart. */
@Injectable()
export class SessionsService {
  constructor(
    @InjectRepository(Session) private readonly sessions: Repository<Session>,
    private readonly transactions: Transactions,
  ) {}

  async start(user: User): Promise<StartedSession> {
    const token = newSecret();
    const now = new Date();
    const session = await this.transactions.run((manager) =>
      manager.save(
        this.sessions.create({
          idHash: hashSecret(token),
          userId: user.id,
          csrfToken: newSecret(),
          createdAt: now,
          lastSeenAt: now,
          expiresAt: new Date(now.getTime() + SESSION_MAX_AGE_MS),
        }),
      ),
    );
    session.user = user;
    return { token, session };
  }

  /** The live session of a cookie value, with its user; null when unknown or expired. */
  async resume(token: string): Promise<Session | null> {
    const session = await this.sessions.findOne({
      where: { idHash: hashSecret(token) },
      relations: { user: true },
    });
    if (!session) return null;
    const now = Date.now();
    if (
      session.expiresAt.getTime() <= now ||
      session.lastSeenAt.getTime() + SESSION_IDLE_MS <= now
    ) {
      // Ended either way; a storage that cannot write now (a full disk) removes it later.
      await this.transactions
        .run((manager) => manager.delete(Session, { idHash: session.idHash }))
        .catch(ignoreStorageFailure);
      return null;
    }
    if (now - session.lastSeenAt.getTime() > TOUCH_INTERVAL_MS) {
      session.lastSeenAt = new Date(now);
      // Only a note of use: a storage that cannot write now does not sign anyone out.
      await this.transactions
        .run((manager) =>
          manager.update(Session, { idHash: session.idHash }, { lastSeenAt: session.lastSeenAt }),
        )
        .catch(ignoreStorageFailure);
    }
    return session;
  }

  async end(token: string): Promise<void> {
    await this.transactions.run((manager) =>
      manager.delete(Session, { idHash: hashSecret(token) }),
    );
  }
}
