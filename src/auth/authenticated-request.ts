import type { Request } from 'express';
import type { Session } from './session.entity';
import type { User } from './user.entity';

/** Who made a request: a user, through a browser session or (no session) an API token. */
export interface Authentication {
  user: User;
  session?: Session;
  /** The API token used, when not a session. */
  apiTokenId?: number;
}

export interface AuthenticatedRequest extends Request {
  auth?: Authentication;
}

/** The credential a request was signed in with, as a key: its session, else its API token. */
export function credentialOf(request: AuthenticatedRequest): string | undefined {
  const auth = request.auth;
  if (auth?.session) return `session:${auth.session.idHash}`;
  if (auth?.apiTokenId !== undefined) return `token:${auth.apiTokenId}`;
  return undefined;
}
