import type { Response } from 'express';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export const STATIC_PREFIX = '/static/';
const YEAR_S = 365 * 24 * 60 * 60;

/**
 * The files of public/, each with a fingerprint of its content. Pages link `?v=<fingerprint>`
 * URLs, which browsers may keep for a year: a changed file gets a new URL. Any other URL of
 * the same file is revalidated on each use, so nobody is stuck with an old script.
 */
export class StaticAssets {
  private readonly fingerprints = new Map<string, string>();

  constructor(private readonly root: string) {
    for (const file of readdirSync(root, { recursive: true, withFileTypes: true })) {
      if (!file.isFile()) continue;
      const path = join(file.parentPath, file.name);
      const name = relative(root, path).split(sep).join('/');
      const digest = createHash('sha256').update(readFileSync(path)).digest('hex');
      this.fingerprints.set(name, digest.slice(0, 12));
    }
  }

  /** The URL a page links for a file of public/, e.g. `js/reader.js`. */
  url(name: string): string {
    const fingerprint = this.fingerprints.get(name);
    if (!fingerprint) throw new Error(`No static file public/${name}`);
    return `${STATIC_PREFIX}${name}?v=${fingerprint}`;
  }

  /** serve-static's setHeaders: a year for the fingerprinted URL, revalidation otherwise. */
  readonly setCacheHeaders = (response: Response, path: string): void => {
    const name = relative(this.root, path).split(sep).join('/');
    const fingerprinted = response.req.query.v === this.fingerprints.get(name);
    response.setHeader(
      'Cache-Control',
      fingerprinted ? `public, max-age=${YEAR_S}, immutable` : 'no-cache',
    );
  };
}
