import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The folder the app serves under /static/. */
export const PUBLIC_DIR = join(__dirname, '..', '..', 'public');

/** Fingerprinted asset URL of a file of public/: `/static/<name>?v=<12 hex of its SHA-256>`. */
export function fingerprintedUrl(name: string): string {
  const digest = createHash('sha256')
    .update(readFileSync(join(PUBLIC_DIR, name)))
    .digest('hex');
  return `/static/${name}?v=${digest.slice(0, 12)}`;
}
