import { Module } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DiscoveryModule } from '@nestjs/core';
import { ApiDocsController } from './api-docs.controller';
import { ApiDocsService } from './api-docs.service';
import { SWAGGER_UI_PATH, SwaggerUiFiles } from './swagger-ui-files';

@Module({
  imports: [DiscoveryModule],
  controllers: [ApiDocsController],
  providers: [ApiDocsService, SwaggerUiFiles],
})
export class ApiDocsModule {
  /**
   * Serves Swagger UI's files and builds the API document from the app's routes: once, as
   * the app starts, before it is initialized (the files' middleware must come before Nest's
   * handler of unknown routes).
   */
  static install(app: NestExpressApplication): void {
    app.use(SWAGGER_UI_PATH, app.get(SwaggerUiFiles).serve);
    app.get(ApiDocsService).describe(app);
  }
}
