import { randomBytes } from 'node:crypto';
import type { AppConfig } from '@app/config';
import { SecretBox, webhookCredentialContext } from '@app/database';
import {
  HANDLED_SERVER_MESSAGES,
  SETUP_BACKOFF_PLAN,
  VAPI_DEFAULT_SERVER_MESSAGES,
} from '../../apps/cli/src/vapi/vapi-setup';
import { VapiUsageError, runVapiCommand } from '../../apps/cli/src/vapi/vapi-commands';
import { testConfig } from '../helpers/config';
import { TestDatabase, createTestDatabase } from '../helpers/database';
import { FakeVapi, errorBody, type FakeAssistant } from '../helpers/fake-vapi';

jest.setTimeout(60_000);

const API_KEY = 'vapi-private-key-cli-91d3c6f0';
const PUBLIC_URL = 'https://hooks.example.test';
const WEBHOOK = `${PUBLIC_URL}/api/webhook/vapi`;

interface Run {
  code: number;
  out: string[];
  err: string[];
  text: string;
}

describe('vapi setup and vapi check (CLI against a fake VAPI and Postgres)', () => {
  let vapi: FakeVapi;
  let db: TestDatabase;
  let config: AppConfig;
  let secretsKey: Buffer;

  beforeAll(async () => {
    vapi = await new FakeVapi(API_KEY).listen();
    secretsKey = randomBytes(32);
    config = testConfig({
      VAPI_API_KEY: API_KEY,
      VAPI_API_URL: vapi.url,
      SECRETS_KEY: secretsKey.toString('base64'),
    });
    db = await createTestDatabase(config);
    await db.dataSource.query(
      `INSERT INTO tenants (id, name) VALUES ('acme', 'Acme'), ('beta', 'Beta')`,
    );
  });

  afterAll(async () => {
    await db?.drop();
    await vapi?.close();
  });

  beforeEach(() => {
    vapi.requests.length = 0;
  });

  async function run(args: string[], overrides: Partial<AppConfig> = {}): Promise<Run> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runVapiCommand(
      args,
      { ...config, ...overrides },
      {
        print: (line) => void out.push(line),
        printError: (line) => void err.push(line),
      },
    );
    return { code, out, err, text: [...out, ...err].join('\n') };
  }

  async function storedCredentials(
    tenantId: string,
  ): Promise<{ id: string; label: string; sealed: Buffer; key_id: string }[]> {
    return db.dataSource.query(
      `SELECT id, label, sealed_secret AS sealed, key_id FROM webhook_credentials
        WHERE tenant_id = $1 AND kind = 'hmac' AND revoked_at IS NULL ORDER BY created_at`,
      [tenantId],
    );
  }

  /** The secret stored for a tenant credential, decrypted as the api would. */
  function opened(tenantId: string, row: { id: string; sealed: Buffer; key_id: string }): string {
    return new SecretBox([secretsKey])
      .open({ keyId: row.key_id, sealed: row.sealed }, webhookCredentialContext(row.id, tenantId))
      .toString('utf8');
  }

  it('--dry-run prints the changes and makes none', async () => {
    const assistant = vapi.addAssistant({ name: 'Sales' });
    const storedBefore = await storedCredentials('default');
    const credentialsBefore = vapi.credentials.size;

    const result = await run([
      'setup',
      '--public-url',
      PUBLIC_URL,
      '--assistant',
      assistant.id,
      '--dry-run',
    ]);

    expect(result.code).toBe(0);
    const missing = HANDLED_SERVER_MESSAGES.filter(
      (t) => !VAPI_DEFAULT_SERVER_MESSAGES.includes(t),
    );
    expect(result.out).toEqual([
      'dry run: nothing was changed; setup would:',
      `  create an HMAC credential "vapi-hooks default" in VAPI (sha256, hex signature in x-signature, timestamp in x-timestamp, payload {timestamp}.{body})`,
      '  store its secret in tenant "default" (encrypted with SECRETS_KEY)',
      `  assistant ${assistant.id} "Sales": server.credentialId (unset) → the new credential`,
      `  assistant ${assistant.id} "Sales": server.url (unset) → ${WEBHOOK}`,
      `  assistant ${assistant.id} "Sales": server.backoffPlan (unset) → ${JSON.stringify(SETUP_BACKOFF_PLAN)}`,
      `  assistant ${assistant.id} "Sales": serverMessages + ${missing.join(', ')}`,
    ]);
    expect(vapi.writes()).toEqual([]);
    expect(vapi.credentials.size).toBe(credentialsBefore);
    expect(vapi.assistants.get(assistant.id)?.server).toBeUndefined();
    expect(await storedCredentials('default')).toEqual(storedBefore);
  });

  it('sets up an assistant: HMAC credential, server URL, message types, retries; stores the secret; verifies', async () => {
    const assistant = vapi.addAssistant({ name: 'Front desk', serverMessages: ['hang'] });

    const result = await run([
      'setup',
      '--public-url',
      `${PUBLIC_URL}/`,
      '--assistant',
      assistant.id,
    ]);

    expect(result.err).toEqual([]);
    expect(result.code).toBe(0);
    expect(vapi.credentials.size).toBe(1);
    const [credential] = [...vapi.credentials.values()] as {
      id: string;
      name: string;
      authenticationPlan: Record<string, unknown>;
    }[];
    expect(credential).toMatchObject({
      provider: 'webhook',
      name: 'vapi-hooks default',
      authenticationPlan: {
        type: 'hmac',
        algorithm: 'sha256',
        signatureHeader: 'x-signature',
        timestampHeader: 'x-timestamp',
        signatureEncoding: 'hex',
        payloadFormat: '{timestamp}.{body}',
        includeTimestamp: true,
        secretIsBase64: false,
      },
    });
    const after = vapi.assistants.get(assistant.id) as FakeAssistant;
    expect(after.server).toEqual({
      url: WEBHOOK,
      credentialId: credential.id,
      backoffPlan: SETUP_BACKOFF_PLAN,
    });
    expect(after.serverMessages).toEqual(['hang', ...HANDLED_SERVER_MESSAGES]);
    const stored = await storedCredentials('default');
    expect(stored.map((c) => c.label)).toEqual([`vapi ${credential.id}`]);
    const secret = credential.authenticationPlan.secretKey as string;
    expect(secret).toMatch(/^vhw_/);
    expect(opened('default', stored[0])).toBe(secret);
    expect(result.text).not.toContain(secret);
    expect(result.text).not.toContain(API_KEY);
    expect(result.out.at(-1)).toBe(
      `verified: assistant ${assistant.id} "Front desk" reads back with ${WEBHOOK}, credential ${credential.id}, retries and every handled message type`,
    );
    // Read back after writing: the last request is the GET of the assistant.
    expect(vapi.requests.at(-1)).toMatchObject({
      method: 'GET',
      path: `/assistant/${assistant.id}`,
    });

    // Run again: nothing changes, in VAPI or here.
    vapi.requests.length = 0;
    const again = await run(['setup', '--public-url', PUBLIC_URL, '--assistant', assistant.id]);
    expect(again.code).toBe(0);
    expect(again.out).toEqual([
      `nothing to change: assistant ${assistant.id} "Front desk" already sends ${WEBHOOK} with credential ${credential.id}, the message types this service handles, and retries`,
    ]);
    expect(vapi.writes()).toEqual([]);
    expect(vapi.credentials.size).toBe(1);
    expect(await storedCredentials('default')).toHaveLength(1);
  });

  it('sets up a phone number of another tenant, at the tenant’s webhook URL', async () => {
    const phone = vapi.addPhoneNumber({ provider: 'twilio', number: '+14155550111' });

    const result = await run([
      'setup',
      '--public-url',
      PUBLIC_URL,
      '--phone-number',
      phone.id,
      '--tenant',
      'acme',
    ]);

    expect(result.err).toEqual([]);
    expect(result.code).toBe(0);
    const patch = vapi.writes().find((r) => r.method === 'PATCH');
    expect(patch).toMatchObject({
      path: `/phone-number/${phone.id}`,
      body: { provider: 'twilio', server: { url: `${WEBHOOK}/acme` } },
    });
    const stored = await storedCredentials('acme');
    expect(stored).toHaveLength(1);
    const credentialId = (vapi.phoneNumbers.get(phone.id)?.server as { credentialId: string })
      .credentialId;
    expect(stored[0].label).toBe(`vapi ${credentialId}`);
    expect(vapi.credentials.get(credentialId)).toMatchObject({ name: 'vapi-hooks acme' });
  });

  it('without SECRETS_KEY, sets up the org and prints the variable to set; refuses another tenant', async () => {
    const noKeys = { tenancy: { ...config.tenancy, secretsKeys: [] } };

    const result = await run(['setup', '--public-url', PUBLIC_URL, '--org'], noKeys);

    expect(result.code).toBe(0);
    const line = result.out.find((l) => l.startsWith('VAPI_WEBHOOK_HMAC_SECRET='));
    const credentialId = (vapi.org.server as { credentialId: string }).credentialId;
    const created = vapi.credentials.get(credentialId) as {
      authenticationPlan: { secretKey: string };
    };
    expect(line).toBe(`VAPI_WEBHOOK_HMAC_SECRET=${created.authenticationPlan.secretKey}`);
    expect(vapi.org.server).toMatchObject({ url: WEBHOOK, backoffPlan: SETUP_BACKOFF_PLAN });
    expect(vapi.writes().map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /credential',
      `PATCH /org/${vapi.orgId}`,
    ]);

    vapi.requests.length = 0;
    const refused = await run(
      ['setup', '--public-url', PUBLIC_URL, '--org', '--tenant', 'acme'],
      noKeys,
    );
    expect(refused.code).toBe(2);
    expect(refused.err).toEqual([
      'refused: tenant "acme" keeps its HMAC secret encrypted in the database: set SECRETS_KEY (as for the api), then run setup again',
    ]);
    expect(vapi.requests).toEqual([]);
  });

  it('answers each VAPI error with one line and exit code 1', async () => {
    const assistant = vapi.addAssistant({ name: 'Errors' });
    const setup = ['setup', '--public-url', PUBLIC_URL, '--assistant', assistant.id];

    const unauthorized = await run(setup, { vapi: { ...config.vapi, apiKey: 'not-the-key' } });
    expect(unauthorized).toMatchObject({ code: 1, out: [] });
    expect(unauthorized.err).toEqual([
      `vapi setup: GET assistant ${assistant.id}: VAPI refused the API key (401); set VAPI_API_KEY to the organisation's private key`,
    ]);

    const notFound = await run(['setup', '--public-url', PUBLIC_URL, '--assistant', 'no-such']);
    expect(notFound.err).toEqual(['vapi setup: GET assistant no-such: not found at VAPI (404)']);
    expect(notFound.code).toBe(1);

    vapi.fail({
      method: 'PATCH',
      status: 422,
      body: errorBody(422, ['server.url must be a URL address']),
    });
    const rejected = await run(setup);
    expect(rejected.code).toBe(1);
    expect(rejected.err).toEqual([
      `vapi setup: PATCH assistant ${assistant.id}: VAPI rejected the request (422): server.url must be a URL address`,
    ]);

    // A tenant with no credential yet: setup must create one, and VAPI fails the creation.
    vapi.fail({ method: 'POST', status: 503, body: errorBody(503, 'maintenance') });
    const other = vapi.addAssistant({ name: 'Down' });
    const failed = await run([
      'setup',
      '--public-url',
      PUBLIC_URL,
      '--assistant',
      other.id,
      '--tenant',
      'beta',
    ]);
    expect(failed.code).toBe(1);
    expect(failed.err).toEqual([
      'vapi setup: POST credential: VAPI failed (503): maintenance; try again later',
    ]);
    // A write is never retried (it may have been applied), and nothing was stored or pointed.
    expect(vapi.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(await storedCredentials('beta')).toEqual([]);
    expect(vapi.assistants.get(other.id)?.server).toBeUndefined();
  });

  it('waits out a 429 with Retry-After and carries on', async () => {
    const assistant = vapi.addAssistant({ name: 'Busy' });
    vapi.fail({
      method: 'GET',
      path: new RegExp(`^/assistant/${assistant.id}$`),
      status: 429,
      headers: { 'retry-after': '1' },
    });
    const started = Date.now();
    const result = await run(['setup', '--public-url', PUBLIC_URL, '--assistant', assistant.id]);
    expect(result.code).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(vapi.assistants.get(assistant.id)?.server).toMatchObject({ url: WEBHOOK });

    vapi.fail({ path: /^\/assistant$/, status: 429, headers: { 'retry-after': '0' }, times: 4 });
    const limited = await run(['check', '--public-url', PUBLIC_URL]);
    expect(limited.code).toBe(1);
    expect(limited.err).toEqual([
      'vapi check: GET assistants: VAPI rate limit (429), retry after 0 s; still limited after 3 retries, try again later',
    ]);
  });

  it('reports when VAPI does not keep what setup wrote', async () => {
    const assistant = vapi.addAssistant({ name: 'Forgetful' });
    // VAPI answers the PATCH but keeps nothing.
    vapi.fail({ method: 'PATCH', status: 200, body: {} });
    const result = await run(['setup', '--public-url', PUBLIC_URL, '--assistant', assistant.id]);
    expect(result.code).toBe(1);
    expect(result.out.at(-1)).toMatch(
      new RegExp(
        `^verify failed: read back from VAPI, assistant ${assistant.id} "Forgetful": server.url is \\(unset\\); server.credentialId is \\(unset\\); server.backoffPlan does not retry; serverMessages lack `,
      ),
    );
  });

  it('vapi check reports each assistant, phone number and the org', async () => {
    for (const a of vapi.assistants.values()) vapi.assistants.delete(a.id);
    for (const p of vapi.phoneNumbers.values()) vapi.phoneNumbers.delete(p.id);
    const ready = vapi.addAssistant({ name: 'Ready' });
    await run(['setup', '--public-url', PUBLIC_URL, '--assistant', ready.id]);
    const bare = vapi.addAssistant({ name: 'Bare' });
    const elsewhere = vapi.addAssistant({
      name: 'Elsewhere',
      server: {
        url: 'https://old.example.test/hook',
        backoffPlan: { type: 'fixed', maxRetries: 2, baseDelaySeconds: 1 },
      },
      serverMessages: ['status-update', 'end-of-call-report', 'transcript'],
    });
    const phone = vapi.addPhoneNumber({ number: '+14155550199' });
    vapi.requests.length = 0;

    const result = await run(['check', '--public-url', PUBLIC_URL]);

    expect(result.code).toBe(3);
    expect(vapi.writes()).toEqual([]);
    expect(result.out).toEqual([
      `checking against ${WEBHOOK}`,
      `assistant ${ready.id} "Ready": server url here; missing message types: none; retries: yes (exponential, 5)`,
      `assistant ${bare.id} "Bare": server url unset (the phone number or org server applies); missing message types: transcript[transcriptType="final"]; retries: no (VAPI drops a failed delivery) [needs setup]`,
      `assistant ${elsewhere.id} "Elsewhere": server url elsewhere (https://old.example.test/hook); missing message types: conversation-update, tool-calls, transfer-destination-request; retries: yes (fixed, 2) [needs setup]`,
      `phone number ${phone.id} +14155550199: server url unset (its assistant's server applies); message types: set on the assistant; retries: (assistant or org)`,
      `org ${vapi.orgId} "Fake org": server url here; retries: yes (exponential, 5)`,
      '1 of 3 assistant(s) fully set up; 1 of 1 phone number(s) fine',
    ]);

    await run(['setup', '--public-url', PUBLIC_URL, '--assistant', bare.id]);
    await run(['setup', '--public-url', PUBLIC_URL, '--assistant', elsewhere.id]);
    const fixed = await run(['check', '--public-url', PUBLIC_URL]);
    expect(fixed.code).toBe(0);
    expect(fixed.out.at(-1)).toBe('3 of 3 assistant(s) fully set up; 1 of 1 phone number(s) fine');
  });

  it('refuses bad arguments before touching VAPI', async () => {
    const bad: [string[], RegExp][] = [
      [['setup', '--assistant', 'a'], /--public-url <https:\/\/…> is required/],
      [['setup', '--public-url', 'http://hooks.example.test', '--org'], /must be https/],
      [['setup', '--public-url', PUBLIC_URL], /name one target/],
      [['setup', '--public-url', PUBLIC_URL, '--org', '--assistant', 'a'], /name one target/],
      [['setup', '--public-url', PUBLIC_URL, '--org', '--tenant', 'Not Valid'], /not a tenant id/],
      [['frobnicate'], /unknown command: vapi frobnicate/],
    ];
    for (const [args, message] of bad) {
      await expect(run(args)).rejects.toThrow(VapiUsageError);
      await expect(run(args)).rejects.toThrow(message);
    }
    await expect(
      run(['check', '--public-url', PUBLIC_URL], { vapi: { ...config.vapi, apiKey: undefined } }),
    ).rejects.toThrow(/needs VAPI_API_KEY/);
    expect(vapi.requests).toEqual([]);
  });
});
