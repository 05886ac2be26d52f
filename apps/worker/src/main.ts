import { Logger } from '@nestjs/common';
import { Logger as PinoLogger } from 'nestjs-pino';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@app/config';
import { WorkerModule } from './worker.module';

/** The worker: an application context (no HTTP server) whose BullMQ processors run until SIGTERM. */
async function bootstrap(): Promise<void> {
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(loadConfig()), {
    bufferLogs: true,
  });
  app.useLogger(app.get(PinoLogger));
  // Closing the context closes the workers, which let in-flight jobs finish first.
  app.enableShutdownHooks();
  new Logger('Bootstrap').log('worker started');
}

bootstrap().catch((error: unknown) => {
  new Logger('Bootstrap').error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
