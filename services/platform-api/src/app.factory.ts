import { NestFactory } from '@nestjs/core';
import { getConnectionToken } from '@nestjs/mongoose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Connection } from 'mongoose';
import { Logger } from 'nestjs-pino';
import { AppModule, assignRequestId } from './app.module';
import { GlobalExceptionFilter } from './common/errors/global-exception.filter';
import { createValidationPipe } from './common/http/validation';
import type { Clock } from './common/clock';
import type { AppConfig } from './config/app-config';

/**
 * Builds the whole API, as main.ts serves it and as the e2e tests drive it.
 * `clock`: the platform's time; a test passes one it moves instead of sleeping.
 */
export async function createApp(config: AppConfig, options: { clock?: Clock } = {}): Promise<NestExpressApplication> {
  // Bodies are read by JsonBodyMiddleware, which answers every refusal with a coded 4xx.
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, options.clock), { bufferLogs: true, bodyParser: false });
  // Before anything else, so every answer, errors of the first middleware included, carries its request id.
  app.use(assignRequestId);
  app.useLogger(app.get(Logger));
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new GlobalExceptionFilter());
  app.set('trust proxy', 'loopback');
  app.disable('x-powered-by');
  app.enableShutdownHooks();

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle('Tessera platform API').setVersion('0.1.0').addBearerAuth().build(),
  );
  SwaggerModule.setup('docs', app, document);

  // Indexes carry rules (one tenant per slug), so they exist before the first request.
  const connection = app.get<Connection>(getConnectionToken());
  await Promise.all(connection.modelNames().map((name) => connection.model(name).init()));
  await app.init();
  return app;
}
