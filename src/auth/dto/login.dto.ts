import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { EmailAddress } from '../../validation/text.decorators';

export class LoginDto {
  @EmailAddress()
  email!: string;

  // Bounded so nobody can make the server hash a megabyte.
  @IsString()
  @MaxLength(1024)
  @ApiProperty({ maxLength: 1024 })
  password!: string;
}
