import type { Byline } from '../event-log/events';
import { avatarUrl } from '../media/media-view';
import type { User, UserRole } from './user.entity';

export interface UserView {
  id: number;
  email: string;
  name: string;
  role: UserRole;
}

export function toUserView(user: User): UserView {
  return { id: user.id, email: user.email, name: user.name, role: user.role };
}

/** `user` as an entry's byline; its avatar loaded (relation `avatar`) when it has one. */
export function toByline(user: User): Byline {
  return { id: user.id, name: user.name, avatarUrl: avatarUrl(user.avatar) };
}

/** The signed-in user's own account: what UserView says, and their avatar. */
export function toAccountView(user: User): UserView & { avatarUrl: string | null } {
  return { ...toUserView(user), avatarUrl: avatarUrl(user.avatar) };
}
