import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { EmailAddress } from './text.decorators';

class SignInForm {
  @EmailAddress()
  email!: string;
}

async function check(email: unknown): Promise<{ email: unknown; errors: string[] }> {
  const form = plainToInstance(SignInForm, { email });
  const errors = await validate(form);
  return {
    email: form.email,
    errors: errors.flatMap((error) => Object.values(error.constraints ?? {})),
  };
}

describe('EmailAddress', () => {
  it.each(['ada@example.test', '  Ada@Example.TEST '])(
    'should accept %j, trimmed and lower-cased',
    async (given) => {
      expect(await check(given)).toEqual({ email: 'ada@example.test', errors: [] });
    },
  );

  it.each<[string, unknown]>([
    ['a lone surrogate', '\udfff'],
    ['a lone surrogate in an address', 'ad\ud800a@example.test'],
    ['no @', 'ada.example.test'],
    ['a number', 5],
  ])('should reject %s with a message rather than throw', async (_name, given) => {
    expect((await check(given)).errors).toContain('email must be an email address');
  });
});
