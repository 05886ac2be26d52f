import { Logger } from '@nestjs/common';
import { loadConfig } from '@app/config';
import { createApiApp } from './app.factory';

async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const app = await createApiApp(config);
  await app.listen(config.http.port, config.http.host);
  new Logger('Bootstrap').log(`api listening on ${await app.getUrl()}`);
}

bootstrap().catch((error: unknown) => {
  // Config errors name the bad variable; print them plainly and exit non-zero.
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
