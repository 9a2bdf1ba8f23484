import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { EmailAddress, RequiredText } from '../../validation/text.decorators';

export const PASSWORD_MIN_LENGTH = 10;

export class CreateFirstAdminDto {
  @IsString()
  @MaxLength(200)
  @ApiProperty({ maxLength: 200, description: 'The token of the one-time setup link.' })
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
  @ApiProperty({ minLength: PASSWORD_MIN_LENGTH, maxLength: 1024 })
  password!: string;
}
