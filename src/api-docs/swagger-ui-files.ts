import { Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Where the docs page loads Swagger UI from: our own origin, as the CSP wants. */
export const SWAGGER_UI_PATH = '/api/docs';

const YEAR_S = 365 * 24 * 60 * 60;

/** `url("data:…")` or `url(data:…)` in a style sheet: its type, its parameters, its data. */
const DATA_URL =
  /url\((?:"data:([^;,"]+)((?:;[^;,"]+)*),((?:\\.|[^"\\])*)"|data:([^;,)]+)((?:;[^;,)]+)*),([^)]*))\)/g;
const CSS_ESCAPE = /\\([0-9a-fA-F]{1,6}\s?|[^0-9a-fA-F])/g;
const EXTENSIONS: Record<string, string> = {
  'image/svg+xml': 'svg',
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
};

interface File {
  type: string;
  bytes: Buffer;
}

/**
 * Swagger UI's script and style sheet (from swagger-ui-dist, which @nestjs/swagger brings),
 * served under /api/docs/. The pages' policy takes images from our origin and HTTPS only, not
 * `data:` URLs, and the style sheet draws its icons from two dozen of those: each is served
 * here as a file of its own, and the style sheet names that instead. Nothing else of the
 * package is served (its index.html would open the Petstore example).
 */
@Injectable()
export class SwaggerUiFiles {
  /** The package's version: it changes the URLs, so browsers may keep each for a year. */
  readonly version: string;
  private readonly files = new Map<string, File>();

  constructor() {
    // Found from @nestjs/swagger, which depends on it, wherever npm put it.
    const dir = dirname(
      require.resolve('swagger-ui-dist/package.json', {
        paths: [dirname(require.resolve('@nestjs/swagger'))],
      }),
    );
    this.version = (
      JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }
    ).version;
    const script = readFileSync(join(dir, 'swagger-ui-bundle.js'));
    this.files.set('/swagger-ui-bundle.js', { type: 'text/javascript', bytes: script });
    const css = readFileSync(join(dir, 'swagger-ui.css'), 'utf8').replace(
      DATA_URL,
      (url, ...groups) => this.imageUrl(url, groups as Array<string | undefined>),
    );
    this.files.set('/swagger-ui.css', { type: 'text/css', bytes: Buffer.from(css) });
  }

  get styleSheetUrl(): string {
    return `${SWAGGER_UI_PATH}/swagger-ui.css?v=${this.version}`;
  }

  get scriptUrl(): string {
    return `${SWAGGER_UI_PATH}/swagger-ui-bundle.js?v=${this.version}`;
  }

  /** Express middleware at SWAGGER_UI_PATH: the files above; anything else goes on. */
  readonly serve = (request: Request, response: Response, next: NextFunction): void => {
    const file = this.files.get(request.path);
    if (!file || (request.method !== 'GET' && request.method !== 'HEAD')) return next();
    // An image's name is its digest; the others' URLs name the version.
    const lasting = request.query.v === this.version || request.path.startsWith('/images/');
    response
      .set('Cache-Control', lasting ? `public, max-age=${YEAR_S}, immutable` : 'no-cache')
      .type(file.type)
      .send(file.bytes);
  };

  /**
   * The `url()` of a file served here with the bytes of a data: URL (DATA_URL's groups, quoted
   * or not); its name is a digest of them. One that cannot be read stays as it was: the policy
   * then blocks that icon, and nothing else.
   */
  private imageUrl(url: string, groups: Array<string | undefined>): string {
    const [quotedType, quotedParameters, quotedData, bareType, bareParameters, bareData] = groups;
    const type = quotedType ?? bareType ?? '';
    const data = quotedData?.replace(CSS_ESCAPE, unescapeCss) ?? bareData ?? '';
    const base64 = (quotedParameters ?? bareParameters ?? '').split(';').includes('base64');
    const extension = EXTENSIONS[type];
    let bytes: Buffer;
    try {
      bytes = base64 ? Buffer.from(data, 'base64') : Buffer.from(decodeURIComponent(data));
    } catch {
      return url;
    }
    if (!extension) return url;
    const digest = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
    const name = `/images/${digest}.${extension}`;
    this.files.set(name, { type, bytes });
    return `url(${SWAGGER_UI_PATH}${name})`;
  }
}

/** One escape of a CSS string: `\"` is `"`, `\23 ` is `#`. */
function unescapeCss(_escape: string, code: string): string {
  return /^[0-9a-fA-F]/.test(code) ? String.fromCodePoint(parseInt(code, 16)) : code;
}
