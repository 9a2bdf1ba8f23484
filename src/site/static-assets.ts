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
 *
 * A page loads one ES module (`<script type="module">`) by such a URL; the modules it imports
 * (`import … from './entry-lists.js'`) are fetched by the plain URL the import resolves to,
 * so they are revalidated: a 304 per import and page load, and never an old copy beside a new
 * page. An import map could give the imports fingerprinted URLs, but it is an inline script,
 * which the pages' `script-src 'self'` refuses (and browsers load no import map from a file);
 * allowing it by hash would tie the security policy to each build of public/ for a few
 * conditional requests on a connection that is already open.
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
