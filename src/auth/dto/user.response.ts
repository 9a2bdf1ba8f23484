import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { USER_ROLES, type UserRole } from '../user.entity';
import type { UserView } from '../user-view';

/** UserView as the API docs show it; `implements` keeps the two alike. */
@ApiSchema({ name: 'User' })
export class UserResponse implements UserView {
  @ApiProperty({ type: 'integer' })
  id!: number;

  @ApiProperty({ format: 'email', example: 'ada@example.com' })
  email!: string;

  @ApiProperty({ description: 'The name on their entries.', example: 'Ada' })
  name!: string;

  @ApiProperty({ enum: USER_ROLES })
  role!: UserRole;
}

/** A session that has just started (sign-in, setup); the cookie comes with it. */
export class SignedInAnswer {
  @ApiProperty()
  user!: UserResponse;

  @ApiProperty({
    description: "The session's CSRF token: send it as `X-CSRF-Token` with every write.",
  })
  csrfToken!: string;
}

export class CurrentUserAnswer {
  @ApiProperty()
  user!: UserResponse;

  @ApiProperty({
    type: 'string',
    nullable: true,
    description: "The session's CSRF token; null when signed in with an API token.",
  })
  csrfToken!: string | null;
}
