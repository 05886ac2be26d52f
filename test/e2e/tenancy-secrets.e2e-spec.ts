import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger as JsonLogger } from 'nestjs-pino';
import type { AppConfig } from '@app/config';
import { QueueName } from '@app/queue';
import { createApiApp } from '../../apps/api/src/app.factory';
import { TenantWebhookAuth } from '../../apps/api/src/tenancy/tenant-webhook-auth';
import {
  type TenancyCommand,
  TenancyUsageError,
  runTenancyCommand,
} from '../../apps/cli/src/tenancy/tenancy-commands';
import { WorkerOpsModule } from '../../apps/worker/src/health/worker-ops.module';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { testConfig } from '../helpers/config';
import { TestDatabase, createTestDatabase } from '../helpers/database';
import { FIXTURE_CALL_ID, fixtureBytes } from '../helpers/fixtures';
import { hmacHeaders } from '../helpers/load';
import { basicAuth, waitForDatabase } from '../helpers/ops-api';
import { waitForDrain } from '../helpers/pipeline';
import { deleteQueueKeys } from '../helpers/redis';

jest.setTimeout(120_000);

// nestjs-pino keeps the first logger of a process for lines logged outside a request, so this
// file starts exactly one api and one worker, both writing to the same capture.

const KEY = randomBytes(32);
/** Distinctive values, so finding one anywhere can only mean it leaked. */
const ENV_SECRETS = {
  envLegacySecret: 'grep-env-legacy-secret-51c0a9',
  envBearerToken: 'grep-env-bearer-token-7e22b4',
  envHmacSecret: 'grep-env-hmac-secret-0d93f1',
  envReadToken: 'grep-env-read-token-c4a817',
  adminPassword: 'grep-admin-password-93be0c',
  secretsKeyBase64: KEY.toString('base64'),
  secretsKeyHex: KEY.toString('hex'),
  secretsKeyBase64Url: KEY.toString('base64url'),
};
const PIPED_SECRET = 'grep-piped-bearer-secret-2a6d0e';

/** A body whose recording URLs point at a closed loopback port (downloads fail, and log it). */
const body = (name: string): Buffer =>
  Buffer.from(
    fixtureBytes(name)
      .toString('utf8')
      .split('https://storage.vapi.ai/')
      .join('http://127.0.0.1:9/'),
  );

describe('a whole tenancy session leaks no secret', () => {
  const raw: string[] = [];
  const capture = { write: (line: string) => void raw.push(line) };
  /** Everything the session handed to the outside world besides the logs. */
  const responses: string[] = [];
  const cliOut: string[] = [];
  const cliErr: string[] = [];
  /** Secrets and tokens created during the session, by name. */
  const made: Record<string, string> = {};
  let config: AppConfig;
  let db: TestDatabase;
  let api: NestFastifyApplication;
  let worker: INestApplicationContext;
  let dir: string;

  async function cli(argv: string[], stdin = ''): Promise<string[]> {
    const [command, ...args] = argv as [TenancyCommand, ...string[]];
    const out: string[] = [];
    try {
      await runTenancyCommand(command, args, config, {
        print: (line) => out.push(line),
        printError: (line) => cliErr.push(line),
        readStdin: () => Promise.resolve(stdin),
      });
    } catch (error) {
      if (!(error instanceof TenancyUsageError)) throw error;
      cliErr.push(error.message);
    }
    cliOut.push(...out);
    return out;
  }
  const shown = (out: string[]): string => {
    const line = out.find((l) => / \(shown once, store it now\): /.test(l));
    if (line === undefined) throw new Error(`nothing shown in ${out.join('\n')}`);
    return line.split(': ')[1];
  };
  const idOf = (out: string[], pattern: RegExp): string => pattern.exec(out.join('\n'))![1];

  async function inject(
    method: 'GET' | 'POST',
    url: string,
    headers: Record<string, string> = {},
    payload?: Buffer,
  ): Promise<number> {
    const res = await api.inject({
      method,
      url,
      headers: payload ? { 'content-type': 'application/json', ...headers } : headers,
      payload,
    });
    responses.push(`${method} ${url} ${res.statusCode} ${JSON.stringify(res.headers)} ${res.body}`);
    return res.statusCode;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vapi-hooks-tenancy-secrets-'));
    config = testConfig({
      LOG_LEVEL: 'debug',
      SECRETS_KEY: ENV_SECRETS.secretsKeyBase64,
      VAPI_WEBHOOK_SECRET: ENV_SECRETS.envLegacySecret,
      VAPI_WEBHOOK_BEARER_TOKEN: ENV_SECRETS.envBearerToken,
      VAPI_WEBHOOK_HMAC_SECRET: ENV_SECRETS.envHmacSecret,
      API_TOKENS: ENV_SECRETS.envReadToken,
      ADMIN_USERNAME: 'grep-admin',
      ADMIN_PASSWORD: ENV_SECRETS.adminPassword,
      AUTH_CACHE_SECONDS: '0',
      RECORDINGS_DIR: dir,
      RECORDINGS_ATTEMPTS: '1',
      WORKER_BACKOFF_MS: '50',
      // Never reach the real VAPI from a test.
      VAPI_API_URL: 'http://127.0.0.1:9',
    });
    db = await createTestDatabase(config);
    api = await createApiApp(config, { destination: capture });
    await api.init();
    await api.getHttpAdapter().getInstance().ready();
    await waitForDatabase({ app: api, config, db });
    const ops = WorkerOpsModule.forRoot(config, { destination: capture });
    worker = await NestFactory.createApplicationContext(
      { module: class TenancySecretsWorkerRoot {}, imports: [ops, WorkerModule.forRoot(config)] },
      { bufferLogs: true },
    );
    worker.useLogger(worker.get(JsonLogger));
  });

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    if (db) await deleteQueueKeys(config.redis.url, config.redis.prefix);
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('creates tenants, credentials and tokens, uses and misuses them, and finds no secret anywhere', async () => {
    // --- the operator sets tenants up with the CLI
    await cli(['tenants', 'add', 'acme', '--name', 'Acme']);
    await cli(['tenants', 'add', 'sleepy']);
    const legacy = await cli(['credentials', 'add', '--tenant', 'acme', '--kind', 'legacy-secret']);
    made.acmeLegacy = shown(legacy);
    made.acmeBearer = shown(
      await cli(['credentials', 'add', '--tenant', 'acme', '--kind', 'bearer']),
    );
    const hmacOld = await cli(['credentials', 'add', '--tenant', 'acme', '--kind', 'hmac']);
    made.acmeHmacOld = shown(hmacOld);
    const hmacOldId = idOf(hmacOld, /^added ([0-9a-f]{12}) hmac/m);
    made.acmeHmacNew = shown(
      await cli(['credentials', 'rotate', '--tenant', 'acme', '--kind', 'hmac']),
    );
    await cli(['credentials', 'add', '--tenant', 'acme', '--kind', 'hmac']); // refused: a third
    await cli(
      ['credentials', 'add', '--tenant', 'sleepy', '--kind', 'bearer', '--secret-stdin'],
      `${PIPED_SECRET}\n`,
    );
    made.sleepyToken = shown(await cli(['tokens', 'create', '--tenant', 'sleepy']));
    await cli(['tenants', 'disable', 'sleepy']);
    made.operatorToken = shown(await cli(['tokens', 'create', '--all', '--label', 'ops']));
    made.defaultToken = shown(await cli(['tokens', 'create', '--tenant', 'default']));
    made.acmeToken = shown(await cli(['tokens', 'create', '--tenant', 'acme', '--expires', '7d']));
    const revoked = await cli(['tokens', 'create', '--tenant', 'default']);
    made.revokedToken = shown(revoked);
    await cli(['tokens', 'revoke', '--id', idOf(revoked, /^created read token ([0-9a-f]{12})/m)]);
    const expired = await cli(['tokens', 'create', '--tenant', 'default', '--expires', '1h']);
    made.expiredToken = shown(expired);
    await db.dataSource.query(
      `UPDATE read_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`,
      [idOf(expired, /^created read token ([0-9a-f]{12})/m)],
    );
    await cli(['tokens', 'list', '--revoked']);
    await cli(['credentials', 'list', '--tenant', 'acme', '--revoked']);
    await cli(['tenants', 'list']);
    // Only the read-token secret part is secret; the whole token must not leak either.
    for (const [name, token] of Object.entries(made)) {
      if (token.startsWith('vhr_')) made[`${name}SecretPart`] = token.split('_').slice(2).join('_');
    }

    // --- VAPI delivers to the default route, with every env scheme, and attackers try the rest
    const webhook = '/api/webhook/vapi';
    const statuses: number[] = [];
    for (const name of [
      'status-update-in-progress.json',
      'transcript-final.json',
      'end-of-call-report.json',
    ]) {
      statuses.push(
        await inject(
          'POST',
          webhook,
          hmacHeaders(body(name), ENV_SECRETS.envHmacSecret),
          body(name),
        ),
      );
    }
    const ringing = body('status-update-ringing.json');
    statuses.push(
      await inject('POST', webhook, { 'x-vapi-secret': ENV_SECRETS.envLegacySecret }, ringing),
    );
    statuses.push(
      await inject(
        'POST',
        webhook,
        { authorization: `Bearer ${ENV_SECRETS.envBearerToken}` },
        ringing,
      ),
    );
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const refused: number[] = [];
    for (const headers of [
      { 'x-vapi-secret': made.acmeLegacy },
      { authorization: `Bearer ${made.acmeBearer}` },
      hmacHeaders(ringing, made.acmeHmacNew),
      { 'x-vapi-secret': made.operatorToken },
      { authorization: `Bearer ${ENV_SECRETS.envReadToken}` },
      { 'x-vapi-signature': ENV_SECRETS.envLegacySecret.slice(0, -1) },
    ]) {
      refused.push(await inject('POST', webhook, headers, ringing));
    }
    expect(refused).toEqual([401, 401, 401, 401, 401, 401]);

    // --- per-tenant verification in the api process (the tenant route comes with part two)
    const tenantAuth = api.get(TenantWebhookAuth);
    const verify = async (tenant: string, headers: Record<string, string>) =>
      (await tenantAuth.verify(tenant, { rawBody: ringing, headers })).ok;
    expect(await verify('acme', { 'x-vapi-secret': made.acmeLegacy })).toBe(true);
    expect(await verify('acme', { authorization: `Bearer ${made.acmeBearer}` })).toBe(true);
    expect(await verify('acme', hmacHeaders(ringing, made.acmeHmacOld))).toBe(true);
    expect(await verify('acme', hmacHeaders(ringing, made.acmeHmacNew))).toBe(true);
    expect(await verify('acme', { 'x-vapi-secret': ENV_SECRETS.envLegacySecret })).toBe(false);
    expect(await verify('sleepy', { authorization: `Bearer ${PIPED_SECRET}` })).toBe(false);
    expect(await verify('nobody', { authorization: `Bearer ${PIPED_SECRET}` })).toBe(false);
    // A damaged sealed key: the api must say which credential, never what it holds.
    await db.dataSource.query(
      `UPDATE webhook_credentials SET sealed_secret = overlay(sealed_secret placing '\\x00'::bytea from 20 for 1) WHERE id = $1`,
      [hmacOldId],
    );
    expect(await verify('acme', hmacHeaders(ringing, made.acmeHmacOld))).toBe(false);
    expect(await verify('acme', hmacHeaders(ringing, made.acmeHmacNew))).toBe(true);

    // --- the read API, with every kind of token, good and bad
    await waitForDrain(config.redis.url, config.redis.prefix, { timeoutMs: 60_000 });
    const reads: Record<string, number> = {};
    for (const [name, token] of Object.entries({
      env: ENV_SECRETS.envReadToken,
      operator: made.operatorToken,
      default: made.defaultToken,
      acme: made.acmeToken,
      revoked: made.revokedToken,
      expired: made.expiredToken,
      sleepy: made.sleepyToken,
      webhookSecret: ENV_SECRETS.envLegacySecret,
      forged: `${made.acmeToken.slice(0, -3)}abc`,
    })) {
      reads[name] = await inject('GET', `/api/calls/${FIXTURE_CALL_ID}`, {
        authorization: `Bearer ${token}`,
      });
      await inject('GET', '/api/calls?limit=5', { authorization: `Bearer ${token}` });
    }
    expect(reads).toEqual({
      env: 200,
      operator: 200,
      default: 200,
      acme: 404,
      revoked: 401,
      expired: 401,
      sleepy: 401,
      webhookSecret: 401,
      forged: 401,
    });

    // --- operators look at metrics and at the jobs in Bull Board
    const admin = { authorization: basicAuth('grep-admin', ENV_SECRETS.adminPassword) };
    await inject('GET', '/metrics');
    for (const queue of Object.values(QueueName)) {
      for (const status of ['latest', 'completed', 'failed']) {
        await inject(
          'GET',
          `/admin/queues/api/queues?activeQueue=${queue}&status=${status}`,
          admin,
        );
      }
    }
    // Bull Board is for the admin only: no read token, operator's included, opens it.
    const board = [
      await inject('GET', '/admin/queues/api/queues', {
        authorization: basicAuth('grep-admin', made.acmeLegacy),
      }),
      await inject('GET', '/admin/queues/api/queues', {
        authorization: `Bearer ${made.operatorToken}`,
      }),
      await inject('GET', '/admin/queues', { authorization: `Bearer ${ENV_SECRETS.envReadToken}` }),
    ];
    expect(board).toEqual([401, 401, 401]);

    // --- stop the apps so every line is flushed, then look everywhere
    await worker.close();
    await api.close();
    const logs = raw.join('');
    const tables = await db.dataSource.query<{ table_name: string }[]>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`,
    );
    let database = '';
    for (const { table_name: table } of tables) {
      const rows = await db.dataSource.query<{ row: string }[]>(
        `SELECT t::text AS row FROM "${table}" t`,
      );
      database += rows.map((r) => r.row).join('\n');
    }

    // The search covered real material: both apps logged, the tenant paths logged, jobs were shown.
    const lines = raw.map(
      (l) => JSON.parse(l) as { queue?: string; msg?: string; res?: { statusCode: number } },
    );
    // Lines logged while running a job carry its queue (whichever app's logger nestjs-pino kept).
    expect(new Set(lines.map((l) => l.queue))).toEqual(
      expect.objectContaining(new Set([QueueName.CallEvents, QueueName.Recordings])),
    );
    expect(lines.filter((l) => l.res?.statusCode === 401).length).toBeGreaterThanOrEqual(10);
    expect(logs).toMatch(new RegExp(`tenant acme: 4 active webhook credential\\(s\\)`));
    expect(logs).toMatch(
      new RegExp(
        `webhook credential ${hmacOldId} cannot be used: sealed secret failed authentication`,
      ),
    );
    expect(responses.join('\n')).toContain(`"id":"${FIXTURE_CALL_ID}"`);
    expect(responses.find((r) => r.startsWith('GET /metrics'))).toMatch(
      /vapi_webhook_auth_failures_total/,
    );
    expect(
      responses
        .filter((r) =>
          r.startsWith('GET /admin/queues/api/queues?activeQueue=call-events&status=completed 200'),
        )
        .join(''),
    ).toContain(FIXTURE_CALL_ID);
    expect(cliErr.join('\n')).toMatch(/already has 2 active hmac credentials/);
    // Shown once: each generated secret and token appears exactly once in the CLI's output.
    for (const [name, value] of Object.entries(made)) {
      if (name.endsWith('SecretPart')) continue;
      expect([name, cliOut.join('\n').split(value).length - 1]).toEqual([name, 1]);
    }
    expect(cliOut.join('\n')).not.toContain(PIPED_SECRET);

    const everything: Record<string, string> = {
      ...ENV_SECRETS,
      ...made,
      pipedSecret: PIPED_SECRET,
    };
    const places: [string, string][] = [
      ['logs', logs],
      ['responses', responses.join('\n')],
      ['CLI errors', cliErr.join('\n')],
      ['database', database],
    ];
    const leaks = Object.entries(everything).flatMap(([name, value]) =>
      places
        .filter(
          ([, text]) =>
            text.includes(value) || text.includes(Buffer.from(value, 'utf8').toString('hex')),
        )
        .map(([where]) => `${name} in ${where}`),
    );
    expect(leaks).toEqual([]);
  });
});
