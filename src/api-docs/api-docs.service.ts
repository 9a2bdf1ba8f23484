import { Injectable, type INestApplication, type Type } from '@nestjs/common';
import { METHOD_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { OperationObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { readFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import { join } from 'node:path';
import { ErrorResponse } from '../errors/error.response';
import { PROJECT_ROOT } from '../project-root';
import {
  accessOf,
  BEARER_SCHEME,
  CSRF_SCHEME,
  describeAccess,
  type RouteAccess,
  SESSION_SCHEME,
} from './route-access';

/** The routes outside /api that the document covers: the reader page's JSON beacon. */
const DOCUMENTED_OUTSIDE_API = new Set(['/blogs/{slug}/views']);

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

const DESCRIPTION = `The JSON API of a Liveblog server: blogs, their entries, photos, your account and API tokens.

**Signing in.** Every route needs a signed-in user unless it says it needs none. A browser
signs in with \`POST /api/auth/login\` and gets the \`liveblog_session\` cookie; with it, every
write (any method but GET, HEAD, OPTIONS) must carry the session's CSRF token in the
\`X-CSRF-Token\` header. Scripts send an API token instead (\`Authorization: Bearer lbt_…\`,
made with \`POST /api/tokens\`), and need no CSRF token.

**Errors** are \`{"statusCode", "message", "error"}\`; \`message\` is a sentence, or a list of
them when several fields are wrong. A request body over 1 MB is a 413; over a limit is a 429
with \`Retry-After\`. Any route may answer 503 with \`Retry-After\` while the server cannot write
(its disk is full) or reach its database; its message says what failed.

**The live stream** of a blog is \`GET /blogs/{slug}/events\`, Server-Sent Events (not JSON, so
not described here): its events carry the same \`Post\` as this API. See docs/api.md and
docs/stream.md in the Liveblog repository.`;

function packageVersion(): string {
  const file = join(PROJECT_ROOT, 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

/** The groups of operations, in the order the docs show them. */
const TAGS: Array<[string, string]> = [
  ['Blogs', 'Live blogs: create, change, end or restart one.'],
  ['Entries', "A blog's entries: published, drafts and scheduled ones; the preview."],
  ['Photos', 'Photos for entries, resized and stored without metadata.'],
  ['Account', 'Your own name and picture.'],
  ['API tokens', 'Tokens for scripts: `Authorization: Bearer lbt_…`.'],
  ['Webhooks', "Admins' URLs that get every event POSTed, signed (docs/webhooks.md)."],
  ['Sign-in', 'Browser sessions, and the first admin.'],
  ['Views', "The reader page's report of the entries a reader has seen."],
  ['Docs', 'This document, and the page that shows it.'],
];

export const operationIdOf = (controller: string, handler: string) => `${controller}_${handler}`;

/**
 * The API as an OpenAPI 3 document, generated from the controllers and DTOs by
 * @nestjs/swagger and built once, as the app starts (createApp). Who may call each route and
 * what its guards answer come from the same metadata the guards read (route-access.ts).
 */
@Injectable()
export class ApiDocsService {
  private json: string | undefined;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
  ) {}

  describe(app: INestApplication): void {
    const config = new DocumentBuilder()
      .setTitle('Liveblog API')
      .setDescription(DESCRIPTION)
      .setVersion(packageVersion())
      .addCookieAuth(
        'liveblog_session',
        { type: 'apiKey', description: 'The session cookie that `POST /api/auth/login` sets.' },
        SESSION_SCHEME,
      )
      .addApiKey(
        {
          type: 'apiKey',
          in: 'header',
          name: 'X-CSRF-Token',
          description: "The session's CSRF token (from sign-in or `GET /api/auth/me`), on writes.",
        },
        CSRF_SCHEME,
      )
      .addBearerAuth(
        { type: 'http', scheme: 'bearer', description: 'An API token: `lbt_…`.' },
        BEARER_SCHEME,
      );
    for (const [name, description] of TAGS) config.addTag(name, description);
    const document = SwaggerModule.createDocument(app, config.build(), {
      extraModels: [ErrorResponse],
      operationIdFactory: operationIdOf,
    });
    const access = this.accessByOperationId();
    for (const [path, item] of Object.entries(document.paths)) {
      if (!path.startsWith('/api/') && !DOCUMENTED_OUTSIDE_API.has(path)) {
        delete document.paths[path];
        continue;
      }
      for (const method of METHODS) {
        const operation: OperationObject | undefined = item[method];
        if (!operation) continue;
        const routeAccess = access.get(operation.operationId ?? '');
        if (!routeAccess) throw new Error(`No route handler for ${operation.operationId}`);
        describeAccess(operation, method, routeAccess);
        for (const [status, response] of Object.entries(operation.responses)) {
          if (response && 'description' in response && !response.description) {
            response.description = STATUS_CODES[status] ?? status;
          }
        }
      }
    }
    this.json = JSON.stringify(document);
  }

  /** The document as JSON. */
  documentJson(): string {
    if (this.json === undefined) {
      throw new Error('The API document is built as the app starts: ApiDocsModule.install()');
    }
    return this.json;
  }

  private accessByOperationId(): Map<string, RouteAccess> {
    const access = new Map<string, RouteAccess>();
    for (const { metatype } of this.discovery.getControllers()) {
      const controller = metatype as Type;
      const prototype = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[name];
        if (typeof handler !== 'function' || !Reflect.hasMetadata(METHOD_METADATA, handler)) {
          continue;
        }
        access.set(
          operationIdOf(controller.name, name),
          accessOf(this.reflector, controller, handler),
        );
      }
    }
    return access;
  }
}
