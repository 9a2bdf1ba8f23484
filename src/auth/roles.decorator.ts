import { SetMetadata } from '@nestjs/common';
import type { UserRole } from './user.entity';

export const ROLES = 'liveblog:roles';

/** Restricts a route to users having one of these roles (403 for the others). */
export const Roles = (...roles: UserRole[]) => SetMetadata(ROLES, roles);
