import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { DelayTaskAdminModule } from './delay-task-admin.module';

export interface DelayTaskOpenApiOptions {
  /** Where the document is served as JSON; default `openapi.json`. */
  documentPath?: string;
  /** Where Swagger UI shows it; default `docs`. */
  uiPath?: string;
}

/**
 * The admin API's OpenAPI document, generated from its controllers and DTO classes, served as
 * JSON at `documentPath` and in Swagger UI at `uiPath`. Neither asks for the token: the document
 * describes the routes, and the routes themselves still do. Returns the document.
 */
export function setupDelayTaskOpenApi(
  app: INestApplication,
  { documentPath = 'openapi.json', uiPath = 'docs' }: DelayTaskOpenApiOptions = {},
): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('delaytask admin API')
    .setDescription('Schedule, inspect, list, cancel and requeue delayed and periodic tasks.')
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      description: 'The token the app was given (DELAYTASK_HTTP_TOKEN for the service).',
    })
    .build();
  const document = SwaggerModule.createDocument(app, config, { include: [DelayTaskAdminModule] });
  SwaggerModule.setup(uiPath, app, document, { jsonDocumentUrl: documentPath, raw: ['json'] });
  return document;
}
