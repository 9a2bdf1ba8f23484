import { Controller, Get, Header, Render } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/public.decorator';
import { ApiDocsService } from './api-docs.service';
import { SwaggerUiFiles } from './swagger-ui-files';

export const API_DOCUMENT_URL = '/api/openapi.json';

/** What the docs page (views/pages/api-docs.hbs) is rendered with. */
export interface ApiDocsPage {
  layout: false;
  documentUrl: string;
  styleSheetUrl: string;
  scriptUrl: string;
}

/** The API described: the OpenAPI document, and Swagger UI to browse and try it. */
@Public()
@ApiTags('Docs')
@Controller('api')
export class ApiDocsController {
  constructor(
    private readonly apiDocs: ApiDocsService,
    private readonly swaggerUi: SwaggerUiFiles,
  ) {}

  @Get('openapi.json')
  @Header('Content-Type', 'application/json; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  @ApiOperation({ summary: 'This document: the API as OpenAPI 3' })
  @ApiOkResponse({ schema: { type: 'object', description: 'An OpenAPI 3.0 document.' } })
  document(): string {
    return this.apiDocs.documentJson();
  }

  @Get('docs')
  @Render('pages/api-docs')
  @ApiOperation({ summary: 'Interactive docs of the API (Swagger UI)' })
  @ApiProduces('text/html')
  @ApiOkResponse({ schema: { type: 'string', description: 'An HTML page.' } })
  page(): ApiDocsPage {
    return {
      layout: false,
      documentUrl: API_DOCUMENT_URL,
      styleSheetUrl: this.swaggerUi.styleSheetUrl,
      scriptUrl: this.swaggerUi.scriptUrl,
    };
  }
}
