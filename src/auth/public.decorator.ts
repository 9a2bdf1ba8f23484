import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'liveblog:public';

/**
 * Opens a route (or a whole controller) to anyone: every other route needs a signed-in user.
 * `identifyCaller`: the caller is still recognised when signed in (`@CurrentUser()`), for a
 * route that shows signed-in users more; a missing or unknown credential is then no error.
 */
export const Public = (options: { identifyCaller?: boolean } = {}) =>
  SetMetadata(IS_PUBLIC, options.identifyCaller ? 'identify-caller' : true);
