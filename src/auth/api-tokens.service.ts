import { ignoreStorageFailure } from '../database/database-errors';
import { findRowWithRelation } from '../database/plain-rows';
import { Transactions } from '../database/transactions';
import { NotFoundError } from '../errors/domain-errors';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ApiToken } from './api-token.entity';
import { hashSecret, newSecret } from './secret-token';
import { User } from './user.entity';

/** Recognizable in logs and secret scanners, like GitHub's `ghp_`. */
const TOKEN_PREFIX = 'lbt_';
/** lastUsedAt is refreshed at most this often, so scripts do not cause a write per request. */
const TOUCH_INTERVAL_MS = 60 * 1000;

export interface ApiTokenView {
  id: number;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export function toApiTokenView(token: ApiToken): ApiTokenView {
  return {
    id: token.id,
    name: token.name,
    createdAt: token.createdAt.toISOString(),
    lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
  };
}

@Injectable()
export class ApiTokensService {
  constructor(
    @InjectRepository(ApiToken) private readonly tokens: Repository<ApiToken>,
    private readonly transactions: Transactions,
  ) {}

  /** Creates a token; the secret is returned this once and never stored. */
  async create(user: User, name: string): Promise<{ token: ApiToken; secret: string }> {
    const secret = newSecret(TOKEN_PREFIX);
    const token = await this.transactions.run((manager) =>
      manager.save(
        this.tokens.create({
          userId: user.id,
          name,
          secretHash: hashSecret(secret),
          createdAt: new Date(),
          lastUsedAt: null,
        }),
      ),
    );
    return { token, secret };
  }

  list(user: User): Promise<ApiToken[]> {
    return this.tokens.find({ where: { userId: user.id }, order: { id: 'DESC' } });
  }

  async revoke(user: User, id: number): Promise<void> {
    const { affected } = await this.transactions.run((manager) =>
      manager.delete(ApiToken, { id, userId: user.id }),
    );
    if (!affected) throw new NotFoundError(`No API token ${id}`);
  }

  /** The token of a bearer secret, with its user; null when unknown. */
  async authenticate(secret: string): Promise<ApiToken | null> {
    if (!secret.startsWith(TOKEN_PREFIX)) return null;
    // Every API publish starts here: one plain query, without the query builder's JavaScript.
    const token = await findRowWithRelation(
      this.tokens.manager,
      ApiToken,
      'secretHash',
      hashSecret(secret),
      'user',
    );
    if (!token) return null;
    const now = new Date();
    if (!token.lastUsedAt || now.getTime() - token.lastUsedAt.getTime() > TOUCH_INTERVAL_MS) {
      // Only a note of use: a storage that cannot write now still lets the token read.
      await this.transactions
        .run((manager) => manager.update(ApiToken, { id: token.id }, { lastUsedAt: now }))
        .catch(ignoreStorageFailure);
    }
    return token;
  }
}
