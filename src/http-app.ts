import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { ApiDocsModule } from './api-docs/api-docs.module';
import { AppModule } from './app.module';
import { VIDEO_PLAYER_ORIGINS } from './posts/embeds';
import type { AppConfig } from './config/app-config';
import { readOrCreateSharedSessionSecret } from './config/session-secret';
import { PROJECT_ROOT } from './project-root';
import { ConnectionDrain } from './shutdown/connection-drain';
import { EMBED_PAGE } from './site/embed-page';
import { STATIC_PREFIX, StaticAssets } from './site/static-assets';
import { configureViewEngine } from './site/view-engine';
import { installStreamTransport } from './stream/sse-transport';
import { STREAM_ROUTE } from './stream/stream.controller';
import { checkJsonBodyShape } from './validation/json-body-shape';

/** An entry is a few KB of Markdown; a megabyte is plenty for any request. */
export const BODY_LIMIT = '1mb';

const YEAR_S = 365 * 24 * 60 * 60;

/**
 * Security headers for every answer. Pages run only the scripts and styles of public/ (no
 * inline code, so an injected `<script>` or `onerror=` does nothing); entries may show
 * images from any HTTPS host, and frame only the privacy-enhanced video players. Who may
 * frame a page is FRAME_ANCESTORS, but for the embed page, made to be framed: EMBED_ORIGINS.
 */
function securityHeaders(config: AppConfig) {
  const pages = helmetFramedBy(config.FRAME_ANCESTORS.split(' '));
  const embed = helmetFramedBy(embedFrameAncestors(config.EMBED_ORIGINS), 'cross-origin');
  return (request: Request, response: Response, next: NextFunction) =>
    (EMBED_PAGE.test(request.path) ? embed : pages)(request, response, next);
}

/** EMBED_ORIGINS as frame-ancestors: the site itself may always show its own embed. */
function embedFrameAncestors(embedOrigins: string): string[] {
  if (embedOrigins === '*' || embedOrigins === "'none'") return [embedOrigins];
  return ["'self'", ...embedOrigins.split(' ')];
}

/**
 * `resourcePolicy` cross-origin lets a site that isolates itself (Cross-Origin-Embedder-Policy:
 * require-corp) frame the embed page.
 */
function helmetFramedBy(
  frameAncestors: string[],
  resourcePolicy: 'same-origin' | 'cross-origin' = 'same-origin',
) {
  return helmet({
    crossOriginResourcePolicy: { policy: resourcePolicy },
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'https:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameSrc: [...VIDEO_PLAYER_ORIGINS],
        frameAncestors,
      },
    },
    // frame-ancestors says it for current browsers; X-Frame-Options only for the default.
    xFrameOptions: frameAncestors.join(' ') === "'self'" ? { action: 'sameorigin' } : false,
    // Not no-referrer: browsers then send `Origin: null` on form posts, which sign-in refuses.
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    // Only over HTTPS (below): over plain HTTP the header is ignored at best.
    strictTransportSecurity: false,
  });
}

const hsts = helmet.strictTransportSecurity({ maxAge: YEAR_S, includeSubDomains: false });

function hstsOverHttps(request: Request, response: Response, next: NextFunction): void {
  if (request.secure) hsts(request, response, next);
  else next();
}

/** The configured app, initialized but not yet listening: used by main.ts and the e2e tests. */
export async function createApp(config: AppConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bodyParser: false,
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  app.set('trust proxy', config.TRUST_PROXY);
  app.use(app.get(ConnectionDrain).closeConnectionsWhileDraining);
  app.use(securityHeaders(config), hstsOverHttps);
  app.useBodyParser('json', { limit: BODY_LIMIT });
  app.use(checkJsonBodyShape);
  app.useBodyParser('urlencoded', { limit: BODY_LIMIT, extended: false });
  config.SESSION_SECRET ??= await readOrCreateSharedSessionSecret(app.get(DataSource));
  app.use(cookieParser(config.SESSION_SECRET));
  const assets = new StaticAssets(join(PROJECT_ROOT, 'public'));
  app.useStaticAssets(join(PROJECT_ROOT, 'public'), {
    prefix: STATIC_PREFIX,
    index: false,
    redirect: false,
    setHeaders: assets.setCacheHeaders,
  });
  const viewsDir = join(PROJECT_ROOT, 'views');
  configureViewEngine(viewsDir, assets);
  app.setBaseViewsDir(viewsDir);
  app.setViewEngine('hbs');
  app.set('view options', { layout: 'layouts/main' });
  ApiDocsModule.install(app);
  // The routes exist once the app is initialized (listen() would do it, too late for this).
  await app.init();
  installStreamTransport(app, STREAM_ROUTE);
  return app;
}
