import { createHash, randomBytes } from 'node:crypto';

/** A fresh 256-bit random secret, URL-safe. */
export function newSecret(prefix = ''): string {
  return prefix + randomBytes(32).toString('base64url');
}

/** What is stored for a secret: its SHA-256, so a copy of the database opens no session. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
