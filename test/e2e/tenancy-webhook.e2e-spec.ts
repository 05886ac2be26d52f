import { randomBytes } from 'node:crypto';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '@app/config';
import { createApiApp } from '../../apps/api/src/app.factory';
import {
  type TenancyCommand,
  runTenancyCommand,
} from '../../apps/cli/src/tenancy/tenancy-commands';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { testConfig } from '../helpers/config';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { hmacHeaders } from '../helpers/load';
import { waitForDrain } from '../helpers/pipeline';
import { deleteQueueKeys } from '../helpers/redis';

jest.setTimeout(120_000);

/** The same VAPI call id, delivered to two tenants (and the default one). */
const CALL_ID = 'c0ffee42-0000-4000-8000-0000000007e2';
const OPERATOR = 'operator-read-token-5d1e0b';

const statusUpdate = (status: string, at: string): Buffer =>
  Buffer.from(
    JSON.stringify({
      message: {
        type: 'status-update',
        status,
        timestamp: Date.parse(at),
        call: { id: CALL_ID, assistantId: 'asst-1', createdAt: '2026-12-01T10:00:00.000Z' },
      },
    }),
  );

describe('webhooks per tenant: /api/webhook/vapi/:tenant', () => {
  let db: TestDatabase;
  let config: AppConfig;
  let api: NestFastifyApplication;
  let worker: INestApplicationContext;
  const secrets: Record<string, string> = {};
  const tokens: Record<string, string> = {};

  async function cli(argv: string[]): Promise<string[]> {
    const [command, ...args] = argv as [TenancyCommand, ...string[]];
    const out: string[] = [];
    const code = await runTenancyCommand(command, args, config, {
      print: (line) => out.push(line),
      readStdin: () => Promise.resolve(''),
    });
    if (code !== 0) throw new Error(`${argv.join(' ')} failed: ${out.join('\n')}`);
    return out;
  }
  /** The secret or token a command printed once. */
  const shown = (out: string[]): string => {
    const line = out.find((l) => / \(shown once, store it now\): /.test(l));
    if (line === undefined) throw new Error(`nothing shown in ${out.join('\n')}`);
    return line.split(': ')[1];
  };
  /** The id of the credential `credentials add` created. */
  const idOf = (out: string[]): string => /^added ([0-9a-f]{12}) /m.exec(out.join('\n'))![1];

  const post = (tenant: string | null, body: Buffer, headers: Record<string, string>) =>
    api.inject({
      method: 'POST',
      url: tenant === null ? '/api/webhook/vapi' : `/api/webhook/vapi/${tenant}`,
      headers: { 'content-type': 'application/json', ...headers },
      payload: body,
    });
  const get = (url: string, token: string) =>
    api.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    db = await createTestDatabase(
      testConfig({
        SECRETS_KEY: randomBytes(32).toString('base64'),
        API_TOKENS: OPERATOR,
        AUTH_CACHE_SECONDS: '0',
        VAPI_WEBHOOK_SECRET: 'default-tenant-env-secret-1',
        WORKER_BACKOFF_MS: '50',
      }),
    );
    config = db.config;
    await cli(['tenants', 'add', 'acme']);
    await cli(['tenants', 'add', 'globex']);
    await cli(['tenants', 'add', 'sleepy']);
    const acme = await cli(['credentials', 'add', '--tenant', 'acme', '--kind', 'hmac']);
    secrets.acmeOld = shown(acme);
    secrets.acmeOldId = idOf(acme);
    secrets.globex = shown(
      await cli(['credentials', 'add', '--tenant', 'globex', '--kind', 'bearer']),
    );
    await cli(['tenants', 'disable', 'sleepy']);
    tokens.acme = shown(await cli(['tokens', 'create', '--tenant', 'acme']));
    tokens.globex = shown(await cli(['tokens', 'create', '--tenant', 'globex']));
    tokens.default = shown(await cli(['tokens', 'create', '--tenant', 'default']));
    api = await createApiApp(config);
    await api.init();
    await api.getHttpAdapter().getInstance().ready();
    // The api connects to Postgres in the background (it boots while Postgres is down), and
    // tenant lookups answer 503 until it has: wait for readiness, as a load balancer would.
    for (let tries = 0; ; tries += 1) {
      if ((await api.inject({ method: 'GET', url: '/health/ready' })).statusCode === 200) break;
      if (tries >= 300) throw new Error('api not ready after 30 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    worker = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
      logger: false,
    });
    await worker.init();
  });

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await deleteQueueKeys(config.redis.url, config.redis.prefix).catch(() => undefined);
    await db?.drop();
  });

  it('keeps the same call id under two tenants (and the default) as three calls', async () => {
    const ringing = statusUpdate('ringing', '2026-12-01T10:00:01Z');
    const ended = statusUpdate('ended', '2026-12-01T10:05:00Z');
    expect((await post('acme', ringing, hmacHeaders(ringing, secrets.acmeOld))).statusCode).toBe(
      200,
    );
    expect((await post('acme', ended, hmacHeaders(ended, secrets.acmeOld))).statusCode).toBe(200);
    const auth = { authorization: `Bearer ${secrets.globex}` };
    expect((await post('globex', ringing, auth)).statusCode).toBe(200);
    const inProgress = statusUpdate('in-progress', '2026-12-01T10:00:30Z');
    expect(
      (await post(null, inProgress, { 'x-vapi-secret': 'default-tenant-env-secret-1' })).statusCode,
    ).toBe(200);
    // The default tenant's URL may also be named explicitly.
    expect(
      (await post('default', ringing, { 'x-vapi-secret': 'default-tenant-env-secret-1' }))
        .statusCode,
    ).toBe(200);
    await waitForDrain(config.redis.url, config.redis.prefix, { timeoutMs: 60_000 });

    const rows: Array<{ id: string; tenant_id: string; status: string }> =
      await db.dataSource.query(
        `SELECT id, tenant_id, status FROM calls WHERE vapi_call_id = $1 ORDER BY tenant_id`,
        [CALL_ID],
      );
    expect(rows).toEqual([
      { id: `acme/${CALL_ID}`, tenant_id: 'acme', status: 'ended' },
      { id: CALL_ID, tenant_id: 'default', status: 'in-progress' },
      { id: `globex/${CALL_ID}`, tenant_id: 'globex', status: 'ringing' },
    ]);
    const events: Array<{ tenant_id: string; n: string }> = await db.dataSource.query(
      `SELECT tenant_id, count(*) AS n FROM call_events GROUP BY 1 ORDER BY 1`,
    );
    expect(events).toEqual([
      { tenant_id: 'acme', n: '2' },
      { tenant_id: 'default', n: '2' },
      { tenant_id: 'globex', n: '1' },
    ]);
  });

  it('shows each tenant its own call under the VAPI id, and nothing of the others', async () => {
    for (const [tenant, status] of [
      ['acme', 'ended'],
      ['globex', 'ringing'],
      ['default', 'in-progress'],
    ]) {
      const detail = await get(`/api/calls/${CALL_ID}`, tokens[tenant]);
      expect(detail.statusCode).toBe(200);
      expect(detail.json()).toMatchObject({ id: CALL_ID, tenantId: tenant, status });
      const list = await get('/api/calls', tokens[tenant]);
      expect(
        list.json<{ items: Array<{ tenantId: string }> }>().items.map((c) => c.tenantId),
      ).toEqual([tenant]);
      // Asking for another tenant's call looks exactly like asking for a missing one.
      const other = tenant === 'acme' ? 'globex' : 'acme';
      expect((await get(`/api/calls/${CALL_ID}?tenant=${other}`, tokens[tenant])).statusCode).toBe(
        404,
      );
      expect((await get(`/api/calls?tenant=${other}`, tokens[tenant])).json()).toMatchObject({
        items: [],
        total: 0,
      });
    }
  });

  it('answers another tenant’s call stream and recording as missing, its own as present', async () => {
    const own = await get(`/api/calls/${CALL_ID}/recording`, tokens.acme);
    expect(own.statusCode).toBe(404);
    expect(own.json()).toMatchObject({ reason: 'no-recording' });
    for (const url of [
      `/api/calls/${CALL_ID}/recording?tenant=globex`,
      `/api/calls/${CALL_ID}/stream?tenant=globex`,
    ]) {
      const res = await get(url, tokens.acme);
      expect(res.statusCode).toBe(404);
    }
    expect(
      (await get(`/api/calls/${CALL_ID}/recording?tenant=globex`, tokens.acme)).json(),
    ).toMatchObject({
      reason: 'no-call',
    });
  });

  it('makes an operator name the tenant when a VAPI id is ambiguous', async () => {
    const ambiguous = await get(`/api/calls/${CALL_ID}`, OPERATOR);
    expect(ambiguous.statusCode).toBe(409);
    expect(ambiguous.json<{ message: string }>().message).toMatch(
      /acme, default, globex.*\?tenant=/,
    );
    const named = await get(`/api/calls/${CALL_ID}?tenant=globex`, OPERATOR);
    expect(named.json()).toMatchObject({ tenantId: 'globex', status: 'ringing' });
    expect((await get('/api/calls?tenant=acme', OPERATOR)).json()).toMatchObject({ total: 1 });
    expect((await get('/api/calls', OPERATOR)).json()).toMatchObject({ total: 3 });
  });

  it('refuses a tenant’s URL with another tenant’s secret, an unknown tenant and a disabled one', async () => {
    const body = statusUpdate('ringing', '2026-12-01T11:00:00Z');
    const wrong = await post('acme', body, { authorization: `Bearer ${secrets.globex}` });
    expect(wrong.statusCode).toBe(401);
    expect((await post('globex', body, hmacHeaders(body, secrets.acmeOld))).statusCode).toBe(401);
    expect(
      (await post('acme', body, { 'x-vapi-secret': 'default-tenant-env-secret-1' })).statusCode,
    ).toBe(401);
    const unknown = await post('nobody', body, { authorization: `Bearer ${secrets.globex}` });
    expect(unknown.statusCode).toBe(404);
    const disabled = await post('sleepy', body, { authorization: `Bearer ${secrets.globex}` });
    expect(disabled.statusCode).toBe(403);
    expect((await post('Not_A_Tenant', body, {})).statusCode).toBe(404);
  });

  it('rotates a secret without refusing a delivery: both accepted, then only the new one', async () => {
    const rotated = await cli(['credentials', 'rotate', '--tenant', 'acme', '--kind', 'hmac']);
    const fresh = shown(rotated);
    const body = statusUpdate('in-progress', '2026-12-01T10:01:00Z');
    expect((await post('acme', body, hmacHeaders(body, secrets.acmeOld))).statusCode).toBe(200);
    expect((await post('acme', body, hmacHeaders(body, fresh))).statusCode).toBe(200);
    await cli(['credentials', 'revoke', '--tenant', 'acme', '--id', secrets.acmeOldId]);
    expect((await post('acme', body, hmacHeaders(body, secrets.acmeOld))).statusCode).toBe(401);
    expect((await post('acme', body, hmacHeaders(body, fresh))).statusCode).toBe(200);
  });
});
