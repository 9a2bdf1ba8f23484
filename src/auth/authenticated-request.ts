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
