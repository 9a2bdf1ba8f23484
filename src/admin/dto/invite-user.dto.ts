import { IsIn, IsString, MaxLength, MinLength } from 'class-validator';
import { PASSWORD_MIN_LENGTH } from '../../auth/dto/create-first-admin.dto';
import { USER_ROLES, type UserRole } from '../../auth/user.entity';
import { EmailAddress, RequiredText } from '../../validation/text.decorators';

export class InviteUserDto {
  @EmailAddress()
  email!: string;

  @RequiredText(100)
  name!: string;

  @IsIn(USER_ROLES, { message: 'role must be admin or editor' })
  role!: UserRole;

  @IsString()
  @MinLength(PASSWORD_MIN_LENGTH, {
    message: `password must be at least ${PASSWORD_MIN_LENGTH} characters`,
  })
  @MaxLength(1024)
  password!: string;
}

export class ChangeRoleDto {
  @IsIn(USER_ROLES, { message: 'role must be admin or editor' })
  role!: UserRole;
}
