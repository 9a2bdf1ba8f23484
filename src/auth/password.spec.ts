import { hashPassword, verifyPassword } from './password';

/** One hash per password for the whole file: scrypt takes a third of a second each time. */
const hashes = new Map<string, Promise<string>>();
function storedHashOf(password: string): Promise<string> {
  if (!hashes.has(password)) hashes.set(password, hashPassword(password));
  return hashes.get(password)!;
}

/** A stored hash with one of its `$`-separated fields replaced. */
function withField(stored: string, index: number, value: string): string {
  const fields = stored.split('$');
  fields[index] = value;
  return fields.join('$');
}

describe('password', () => {
  describe(hashPassword.name, () => {
    it('should give scrypt$N$r$p$salt$key with a 16-byte salt and a 32-byte key in base64', async () => {
      const stored = await hashPassword('correct horse battery staple');

      const [scheme, N, r, p, salt, key, ...rest] = stored.split('$');
      expect({ scheme, N, r, p, rest }).toEqual({
        scheme: 'scrypt',
        N: '32768',
        r: '8',
        p: '3',
        rest: [],
      });
      expect(salt).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      expect(Buffer.from(salt, 'base64')).toHaveLength(16);
      expect(key).toMatch(/^[A-Za-z0-9+/]{43}=$/);
      expect(Buffer.from(key, 'base64')).toHaveLength(32);
    });

    it('should use a new salt each time, so the same password hashes differently', async () => {
      const [first, second] = await Promise.all([hashPassword('same'), hashPassword('same')]);

      expect(first).not.toBe(second);
      expect(first.split('$')[4]).not.toBe(second.split('$')[4]);
    });
  });

  describe(verifyPassword.name, () => {
    it('should accept the right password', async () => {
      const stored = await storedHashOf('correct horse battery staple');

      await expect(verifyPassword('correct horse battery staple', stored)).resolves.toBe(true);
    });

    it.each(['Correct horse battery staple', 'correct horse battery staple ', ''])(
      'should reject the wrong password %j',
      async (wrong) => {
        const stored = await storedHashOf('correct horse battery staple');

        await expect(verifyPassword(wrong, stored)).resolves.toBe(false);
      },
    );

    it('should accept either of the two hashes of the same password', async () => {
      const [first, second] = await Promise.all([hashPassword('same'), hashPassword('same')]);

      await expect(verifyPassword('same', first)).resolves.toBe(true);
      await expect(verifyPassword('same', second)).resolves.toBe(true);
    });

    it('should treat the composed and decomposed forms of "é" as the same password', async () => {
      const composed = 'caf\u00e9';
      const decomposed = 'cafe\u0301';
      expect(composed).not.toBe(decomposed);

      await expect(verifyPassword(decomposed, await hashPassword(composed))).resolves.toBe(true);
      await expect(verifyPassword(composed, await hashPassword(decomposed))).resolves.toBe(true);
    });

    it.each<[string, (valid: string) => string]>([
      ['an empty string', () => ''],
      ['a plain-text password', () => 'secret'],
      ['another scheme', (valid) => withField(valid, 0, 'bcrypt')],
      ['a missing salt', (valid) => withField(valid, 4, '')],
      ['a missing key', (valid) => withField(valid, 5, '')],
      ['a truncated key', (valid) => withField(valid, 5, valid.split('$')[5].slice(0, 20))],
      [
        'a key that does not match',
        (valid) => withField(valid, 5, Buffer.alloc(32, 7).toString('base64')),
      ],
      ['a non-numeric cost', (valid) => withField(valid, 1, 'abc')],
      ['a cost that is not a power of two', (valid) => withField(valid, 1, '1000')],
    ])('should return false for a stored hash with %s', async (_case, corrupt) => {
      const stored = corrupt(await storedHashOf('secret'));

      await expect(verifyPassword('secret', stored)).resolves.toBe(false);
    });
  });
});
