import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { UserResponse } from '../../auth/dto/user.response';
import type { toAccountView } from '../../auth/user-view';

/** The signed-in user's own account, as toAccountView() makes it. */
@ApiSchema({ name: 'Account' })
export class AccountResponse extends UserResponse implements ReturnType<typeof toAccountView> {
  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'Your picture (WebP, 128 pixels), or null.',
  })
  avatarUrl!: string | null;
}

export class AccountAnswer {
  @ApiProperty()
  user!: AccountResponse;
}
