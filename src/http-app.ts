import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import { Logger } from 'nestjs-pino';
import { join } from 'node:path';
import { AppModule } from './app.module';
import type { AppConfig } from './config/app-config';
import { PROJECT_ROOT } from './project-root';
import { configureViewEngine } from './site/view-engine';

/** An entry is a few KB of Markdown; a megabyte is plenty for any request. */
export const BODY_LIMIT = '1mb';

/** The configured app, not yet listening: used by main.ts and by the e2e tests alike. */
export async function createApp(config: AppConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bodyParser: false,
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  app.useBodyParser('json', { limit: BODY_LIMIT });
  app.useBodyParser('urlencoded', { limit: BODY_LIMIT, extended: false });
  app.use(cookieParser());
  app.useStaticAssets(join(PROJECT_ROOT, 'public'), { prefix: '/static/', index: false });
  const viewsDir = join(PROJECT_ROOT, 'views');
  configureViewEngine(viewsDir);
  app.setBaseViewsDir(viewsDir);
  app.setViewEngine('hbs');
  app.set('view options', { layout: 'layouts/main' });
  return app;
}
