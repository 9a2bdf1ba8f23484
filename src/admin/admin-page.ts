import type { AuthenticatedRequest } from '../auth/authenticated-request';
import { toUserView, UserView } from '../auth/user-view';

/** What every admin page's layout needs: who is signed in and the token its forms carry. */
export interface AdminPage {
  title: string;
  user: UserView;
  isAdmin: boolean;
  csrfToken: string;
  section: string;
}

export function adminPage(
  request: AuthenticatedRequest,
  title: string,
  section: string,
): AdminPage {
  const auth = request.auth!;
  return {
    title,
    user: toUserView(auth.user),
    isAdmin: auth.user.role === 'admin',
    // Admin pages are only reached with a session (the guard has checked it), not a token.
    csrfToken: auth.session?.csrfToken ?? '',
    section,
  };
}
