import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApiApp } from '../../apps/api/src/app.factory';
import { ShutdownDrainService } from '../../apps/api/src/common/shutdown-drain.service';
import { testConfig } from '../helpers/config';

describe(ShutdownDrainService.name, () => {
  let app: NestFastifyApplication;
  beforeAll(async () => {
    app = await createApiApp(testConfig({ SHUTDOWN_DRAIN_MS: '300' }));
    await app.init();
  });
  afterAll(async () => app.close());

  const live = () => app.inject({ method: 'GET', url: '/health/live' });

  it('keeps serving during the drain window but asks clients to drop keep-alive connections', async () => {
    expect((await live()).headers.connection).not.toBe('close');
    const drain = app.get(ShutdownDrainService);
    const started = Date.now();
    const draining = drain.beforeApplicationShutdown('SIGTERM');
    const during = await live();
    expect(during.statusCode).toBe(200);
    expect(during.headers.connection).toBe('close');
    await draining;
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(drain.isDraining).toBe(true);
  });

  it('does not wait when closed without a signal (tests, embedding)', async () => {
    const started = Date.now();
    await app.get(ShutdownDrainService).beforeApplicationShutdown(undefined);
    expect(Date.now() - started).toBeLessThan(100);
  });
});
