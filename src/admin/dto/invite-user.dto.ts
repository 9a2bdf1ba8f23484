import { applyDecorators } from '@nestjs/common';
import { IsIn, IsString, MaxLength, MinLength } from 'class-validator';
import { PASSWORD_MIN_LENGTH } from '../../auth/dto/create-first-admin.dto';
import { USER_ROLES, type UserRole } from '../../auth/user.entity';
import { EmailAddress, RequiredText } from '../../validation/text.decorators';

export class InviteUserDto {
  @EmailAddress()
  email!: string;

  @RequiredText(100)
  name!: string;

  @IsIn(USER_ROLES, { message: 'role must be admin, editor or contributor' })
  role!: UserRole;

  @NewPassword()
  password!: string;
}

/** A new password: the rule of every password, in one place for each form that sets one. */
function NewPassword() {
  return applyDecorators(
    IsString(),
    MinLength(PASSWORD_MIN_LENGTH, {
      message: `$property must be at least ${PASSWORD_MIN_LENGTH} characters`,
    }),
    MaxLength(1024),
  );
}

export class SetPasswordDto {
  @NewPassword()
  password!: string;
}

export class ChangeOwnPasswordDto {
  @IsString({ message: 'currentPassword is required' })
  @MaxLength(1024)
  currentPassword!: string;

  @NewPassword()
  newPassword!: string;
}

export class ChangeRoleDto {
  @IsIn(USER_ROLES, { message: 'role must be admin, editor or contributor' })
  role!: UserRole;
}
