import { IsString, MaxLength, MinLength } from 'class-validator';
import { EmailAddress, RequiredText } from '../../validation/text.decorators';

export const PASSWORD_MIN_LENGTH = 10;

export class CreateFirstAdminDto {
  @IsString()
  @MaxLength(200)
  token!: string;

  @EmailAddress()
  email!: string;

  @RequiredText(100)
  name!: string;

  @IsString()
  @MinLength(PASSWORD_MIN_LENGTH, {
    message: `password must be at least ${PASSWORD_MIN_LENGTH} characters`,
  })
  @MaxLength(1024)
  password!: string;
}
