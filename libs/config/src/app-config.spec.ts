import { ConfigError, hasWebhookAuth, loadConfig } from './app-config';

describe(loadConfig.name, () => {
  it('works with nothing configured, using the documented defaults', () => {
    const config = loadConfig({});
    expect(config.http.port).toBe(8000);
    expect(config.database.url).toBe('postgres://postgres@127.0.0.1:5432/vapi_hooks');
    expect(config.redis.url).toBe('redis://127.0.0.1:6379');
    expect(config.redis.prefix).toBe('{vapi-hooks}');
    expect(config.redis.enqueueTimeoutMs).toBe(2000);
    expect(config.auth.hmac).toMatchObject({
      algorithm: 'sha256',
      encoding: 'hex',
      signatureHeader: 'x-signature',
      timestampHeader: 'x-timestamp',
      payloadFormat: '{timestamp}.{body}',
      toleranceSeconds: 300,
    });
    expect(hasWebhookAuth(config)).toBe(false);
    expect(config.admin).toBeUndefined();
  });

  it('names the bad variable when one is invalid', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT="eighty"/);
    expect(() => loadConfig({ REDIS_URL: 'http://x' })).toThrow(/REDIS_URL/);
    expect(() => loadConfig({ VAPI_WEBHOOK_HMAC_ALGORITHM: 'md5' })).toThrow(
      /VAPI_WEBHOOK_HMAC_ALGORITHM/,
    );
    expect(() => loadConfig({ QUEUE_PREFIX: 'a:b' })).toThrow(/QUEUE_PREFIX/);
  });

  it('reads comma-separated secrets so a secret can be rotated without downtime', () => {
    const config = loadConfig({
      VAPI_WEBHOOK_SECRET: 'old, new',
      VAPI_WEBHOOK_HMAC_SECRET: 'h1,h2',
      VAPI_WEBHOOK_BEARER_TOKEN: 't1',
    });
    expect(config.auth.legacySecrets).toEqual(['old', 'new']);
    expect(config.auth.hmac.secrets.map((b) => b.toString())).toEqual(['h1', 'h2']);
    expect(config.auth.bearer.tokens).toEqual(['t1']);
    expect(hasWebhookAuth(config)).toBe(true);
  });

  it('decodes base64 HMAC secrets and drops the timestamp from the default format when asked', () => {
    const config = loadConfig({
      VAPI_WEBHOOK_HMAC_SECRET: Buffer.from('raw-secret').toString('base64'),
      VAPI_WEBHOOK_HMAC_SECRET_IS_BASE64: 'true',
      VAPI_WEBHOOK_HMAC_INCLUDE_TIMESTAMP: 'false',
    });
    expect(config.auth.hmac.secrets[0].toString()).toBe('raw-secret');
    expect(config.auth.hmac.payloadFormat).toBe('{body}');
  });

  it('treats empty values as unset and converts numbers and booleans', () => {
    const config = loadConfig({ PORT: '', WORKER_EVENTS_CONCURRENCY: '3', LOG_PRETTY: 'no' });
    expect(config.http.port).toBe(8000);
    expect(config.worker.eventsConcurrency).toBe(3);
    expect(config.log.pretty).toBe(false);
  });

  it('reads SECRETS_KEY as 32 bytes in hex or base64, first key first', () => {
    const key = Buffer.alloc(32, 7);
    const other = Buffer.alloc(32, 9);
    const config = loadConfig({
      SECRETS_KEY: `${key.toString('hex')}, ${other.toString('base64')}`,
    });
    expect(config.tenancy.secretsKeys).toEqual([key, other]);
    expect(loadConfig({}).tenancy).toEqual({ secretsKeys: [], authCacheSeconds: 10 });
    expect(loadConfig({ SECRETS_KEY: other.toString('base64url') }).tenancy.secretsKeys).toEqual([
      other,
    ]);
  });

  it('refuses a SECRETS_KEY that is not 32 bytes without repeating it', () => {
    for (const bad of ['short-key-value', Buffer.alloc(31, 1).toString('base64'), 'z'.repeat(64)]) {
      let message = '';
      try {
        loadConfig({ SECRETS_KEY: bad });
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        message = (error as Error).message;
      }
      expect(message).toMatch(/SECRETS_KEY: entry 1 is not 32 bytes/);
      expect(message).not.toContain(bad);
    }
  });

  it('enables the admin board only when both credentials are set', () => {
    expect(loadConfig({ ADMIN_USERNAME: 'admin' }).admin).toBeUndefined();
    expect(loadConfig({ ADMIN_USERNAME: 'admin', ADMIN_PASSWORD: 'pw' }).admin).toEqual({
      username: 'admin',
      password: 'pw',
    });
  });
});
