import { loadConfig } from '@app/config';
import { createRootLogger, redactPaths } from './logger.factory';

describe(createRootLogger.name, () => {
  const config = loadConfig({
    LOG_LEVEL: 'info',
    VAPI_WEBHOOK_BEARER_HEADER: 'X-Custom-Auth',
    VAPI_WEBHOOK_HMAC_SIGNATURE_HEADER: 'X-My-Signature',
  });

  const capture = (level = 'info') => {
    const lines: string[] = [];
    const logger = createRootLogger({ ...config, log: { level, pretty: true } }, 'worker', {
      destination: { write: (line: string) => void lines.push(line) },
    });
    return { logger, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
  };

  it('writes JSON lines with a level label, ISO time and the app name (no pretty with a destination)', () => {
    const { logger, parsed } = capture();
    logger.info({ jobId: 'j1' }, 'hello');
    const [line] = parsed();
    expect(line).toMatchObject({ level: 'info', app: 'worker', jobId: 'j1', msg: 'hello' });
    expect(new Date(line.time as string).toISOString()).toBe(line.time);
  });

  it('honours the configured level', () => {
    const { logger, parsed } = capture('warn');
    logger.info('dropped');
    logger.warn('kept');
    expect(parsed().map((l) => l.msg)).toEqual(['kept']);
  });

  it('redacts credential headers, including the configured header names, in any case', () => {
    const { logger, parsed } = capture();
    const headers = {
      authorization: 'Bearer a1',
      cookie: 'c1',
      'x-vapi-secret': 's1',
      'x-vapi-signature': 's2',
      'x-signature': 's3',
      'x-custom-auth': 's4',
      'x-my-signature': 's5',
      'content-type': 'application/json',
    };
    logger.info({ req: { headers }, res: { headers: { 'set-cookie': 'c2' } } }, 'done');
    const [line] = parsed();
    const logged = (line.req as { headers: Record<string, string> }).headers;
    expect(logged['content-type']).toBe('application/json');
    for (const name of Object.keys(headers).filter((h) => h !== 'content-type')) {
      expect(logged[name]).toBe('[redacted]');
    }
    expect((line.res as { headers: Record<string, string> }).headers['set-cookie']).toBe(
      '[redacted]',
    );
  });

  it('lists each header path once', () => {
    const paths = redactPaths(loadConfig({ VAPI_WEBHOOK_HMAC_SIGNATURE_HEADER: 'X-Signature' }));
    expect(new Set(paths).size).toBe(paths.length);
    expect(paths).toContain('req.headers["x-signature"]');
  });
});
