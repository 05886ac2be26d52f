import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '@app/config';
import { createApiApp } from '../../apps/api/src/app.factory';
import {
  type TenancyCommand,
  runTenancyCommand,
} from '../../apps/cli/src/tenancy/tenancy-commands';
import { testConfig } from '../helpers/config';
import { createTestDatabase, dropDatabase } from '../helpers/database';
import { OpsApi, startOpsApi, stopOpsApi } from '../helpers/ops-api';

jest.setTimeout(60_000);

const CALL_ID = 'c0ffee42-0000-4000-8000-00000000a11d';
const ENV_TOKEN = 'env-operator-read-token-3f9c1e';

/** Runs a tenancy command in-process; returns what it printed. */
async function cli(config: AppConfig, argv: string[]): Promise<string[]> {
  const [command, ...args] = argv as [TenancyCommand, ...string[]];
  const out: string[] = [];
  const code = await runTenancyCommand(command, args, config, {
    print: (line) => out.push(line),
    readStdin: () => Promise.resolve(''),
  });
  if (code !== 0) throw new Error(`${argv.join(' ')} failed: ${out.join('\n')}`);
  return out;
}

/** A read token created through the CLI: its id and the token shown once. */
async function createToken(
  config: AppConfig,
  ...scope: string[]
): Promise<{ id: string; token: string }> {
  const out = await cli(config, ['tokens', 'create', ...scope]);
  const token = out.find((l) => l.startsWith('token (shown once'))!.split(': ')[1];
  return { id: token.split('_')[1], token };
}

describe('read API with tenant-scoped tokens', () => {
  let h: OpsApi;
  const tokens: Record<string, { id: string; token: string }> = {};

  const get = (url: string, token?: string) =>
    h.app.inject({
      method: 'GET',
      url,
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    });

  beforeAll(async () => {
    h = await startOpsApi({ API_TOKENS: ENV_TOKEN, AUTH_CACHE_SECONDS: '0' });
    await h.db.dataSource.query(`INSERT INTO calls (id, status) VALUES ($1, 'ended')`, [CALL_ID]);
    await cli(h.config, ['tenants', 'add', 'acme']);
    await cli(h.config, ['tenants', 'add', 'sleepy']);
    tokens.operator = await createToken(h.config, '--all');
    tokens.defaultTenant = await createToken(h.config, '--tenant', 'default');
    tokens.acme = await createToken(h.config, '--tenant', 'acme');
    tokens.revoked = await createToken(h.config, '--tenant', 'default');
    tokens.expired = await createToken(h.config, '--tenant', 'default', '--expires', '1h');
    tokens.sleepy = await createToken(h.config, '--tenant', 'sleepy');
    await cli(h.config, ['tokens', 'revoke', '--id', tokens.revoked.id]);
    await h.db.dataSource.query(
      `UPDATE read_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`,
      [tokens.expired.id],
    );
    await cli(h.config, ['tenants', 'disable', 'sleepy']);
  });
  afterAll(async () => stopOpsApi(h));

  it.each([
    ['an API_TOKENS token', () => ENV_TOKEN],
    ['an operator token', () => tokens.operator.token],
    ['a token of the default tenant', () => tokens.defaultTenant.token],
  ])('shows the calls of the default tenant to %s', async (_, token) => {
    const list = await get('/api/calls', token());
    expect(list.statusCode).toBe(200);
    expect(list.json<{ items: { id: string }[] }>().items.map((c) => c.id)).toEqual([CALL_ID]);
    expect((await get(`/api/calls/${CALL_ID}`, token())).statusCode).toBe(200);
  });

  it('answers another tenant’s token as if the call did not exist', async () => {
    const list = await get('/api/calls', tokens.acme.token);
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual({ items: [], total: 0, limit: 20, offset: 0 });
    const detail = await get(`/api/calls/${CALL_ID}`, tokens.acme.token);
    const unknown = await get('/api/calls/no-such-call', tokens.acme.token);
    expect(detail.statusCode).toBe(404);
    expect(detail.json<{ message: string }>().message).toBe(`No call with id ${CALL_ID}.`);
    expect(unknown.statusCode).toBe(404);
  });

  it.each([
    ['revoked', () => tokens.revoked.token, /has been revoked/],
    ['expired', () => tokens.expired.token, /expired at/],
    ['of a disabled tenant', () => tokens.sleepy.token, /tenant "sleepy", which is disabled/],
    ['made up', () => 'vhr_0123456789ab_' + 'A'.repeat(43), /^Invalid token\.$/],
    ['not a token at all', () => 'hello', /^Invalid token\.$/],
    ['missing', () => undefined, /^Bearer token required\.$/],
  ])('answers 401 to a token that is %s', async (_, token, message) => {
    for (const url of ['/api/calls', `/api/calls/${CALL_ID}`]) {
      const res = await get(url, token());
      expect(res.statusCode).toBe(401);
      expect(res.json<{ message: string }>().message).toMatch(message);
    }
  });

  it('stops accepting a token as soon as it is revoked (AUTH_CACHE_SECONDS=0)', async () => {
    const { id, token } = await createToken(h.config, '--tenant', 'default');
    expect((await get('/api/calls', token)).statusCode).toBe(200);
    await cli(h.config, ['tokens', 'revoke', '--id', id]);
    expect((await get('/api/calls', token)).statusCode).toBe(401);
  });
});

describe('read API protection at boot', () => {
  it('stays open in development while no token exists anywhere, and closes when one is created', async () => {
    const h = await startOpsApi({ AUTH_CACHE_SECONDS: '0' });
    try {
      expect((await h.app.inject({ method: 'GET', url: '/api/calls' })).statusCode).toBe(200);
      const { token } = await createToken(h.config, '--all');
      expect((await h.app.inject({ method: 'GET', url: '/api/calls' })).statusCode).toBe(401);
      const withToken = await h.app.inject({
        method: 'GET',
        url: '/api/calls',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(withToken.statusCode).toBe(200);
    } finally {
      await stopOpsApi(h);
    }
  });

  describe('in production', () => {
    const secret = { VAPI_WEBHOOK_SECRET: 'prod-webhook-secret-7d1a' };

    it('refuses to start without any webhook secret', async () => {
      await expect(
        createApiApp(testConfig({ NODE_ENV: 'production', API_TOKENS: ENV_TOKEN })),
      ).rejects.toThrow(/No webhook secret is configured .*refusing to start in production/);
    });

    it('refuses to start when neither API_TOKENS nor the database holds a read token', async () => {
      const db = await createTestDatabase(testConfig({ NODE_ENV: 'production', ...secret }));
      try {
        await expect(createApiApp(db.config)).rejects.toThrow(
          /API_TOKENS is empty and the database holds no active read token; refusing to start in production\. Set API_TOKENS .*tokens create --all/,
        );
        // A revoked token does not count.
        const { id } = await createToken(db.config, '--all');
        await cli(db.config, ['tokens', 'revoke', '--id', id]);
        await expect(createApiApp(db.config)).rejects.toThrow(/no active read token/);
      } finally {
        await db.drop();
      }
    });

    it('starts with a stored token, and then requires it', async () => {
      const db = await createTestDatabase(
        testConfig({ NODE_ENV: 'production', AUTH_CACHE_SECONDS: '0', ...secret }),
      );
      let app: NestFastifyApplication | undefined;
      try {
        const { token } = await createToken(db.config, '--tenant', 'default');
        app = await createApiApp(db.config);
        await app.init();
        const h = { app, config: db.config, db };
        const { waitForDatabase } = await import('../helpers/ops-api');
        await waitForDatabase(h);
        expect((await app.inject({ method: 'GET', url: '/api/calls' })).statusCode).toBe(401);
        const res = await app.inject({
          method: 'GET',
          url: '/api/calls',
          headers: { authorization: `Bearer ${token}` },
        });
        expect(res.statusCode).toBe(200);
      } finally {
        await app?.close();
        await db.drop();
      }
    });

    it('starts when Postgres does not answer, and the read API then refuses every request', async () => {
      const config = testConfig({
        NODE_ENV: 'production',
        ...secret,
        // Port 1 on loopback is closed: the boot check gets no answer.
        DATABASE_URL: 'postgres://postgres@127.0.0.1:1/vapi_hooks_test_unreachable',
      });
      const app = await createApiApp(config);
      try {
        await app.init();
        const plain = await app.inject({ method: 'GET', url: '/api/calls' });
        expect(plain.statusCode).toBe(401);
        const stored = await app.inject({
          method: 'GET',
          url: '/api/calls',
          headers: { authorization: `Bearer vhr_0123456789ab_${'A'.repeat(43)}` },
        });
        expect(stored.statusCode).toBe(503);
      } finally {
        await app.close();
        await dropDatabase(config.database.url).catch(() => undefined);
      }
    });
  });
});
