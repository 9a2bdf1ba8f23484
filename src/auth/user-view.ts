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
