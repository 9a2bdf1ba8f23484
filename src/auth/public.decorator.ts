import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'liveblog:public';

/** Opens a route (or a whole controller) to anyone: every other route needs a signed-in user. */
export const Public = () => SetMetadata(IS_PUBLIC, true);
