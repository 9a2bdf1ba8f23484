import { IsEmail, IsString, MaxLength } from 'class-validator';

export class LoginDto {
  @IsString()
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(254)
  email!: string;

  // Bounded so nobody can make the server hash a megabyte.
  @IsString()
  @MaxLength(1024)
  password!: string;
}
