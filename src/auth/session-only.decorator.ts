import { SetMetadata } from '@nestjs/common';

export const SESSION_ONLY = 'liveblog:session-only';

/**
 * Routes for people at a browser (the admin pages): a signed-in session is needed, an API
 * token is refused, so a leaked script token cannot manage users or mint tokens there.
 */
export const SessionOnly = () => SetMetadata(SESSION_ONLY, true);
