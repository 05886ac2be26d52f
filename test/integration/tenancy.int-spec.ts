import { createHmac, randomBytes } from 'node:crypto';
import type { AppConfig } from '@app/config';
import {
  ReadTokensRepository,
  SecretBox,
  TenantsRepository,
  WebhookCredentialsRepository,
  hashSecret,
} from '@app/database';
import {
  type TenancyCommand,
  TenancyUsageError,
  runTenancyCommand,
} from '../../apps/cli/src/tenancy/tenancy-commands';
import { TenancyAdmin } from '../../apps/cli/src/tenancy/tenancy-admin';
import { ReadTokenAuthenticator } from '../../apps/api/src/tenancy/read-token-authenticator';
import { TenantWebhookAuth } from '../../apps/api/src/tenancy/tenant-webhook-auth';
import type { VerifyInput } from '../../apps/api/src/vapi-webhook/webhook-verifier';
import { testConfig } from '../helpers/config';
import { TestDatabase, createTestDatabase } from '../helpers/database';

jest.setTimeout(60_000);

interface Run {
  code: number;
  out: string[];
  err: string[];
  /** stdout and stderr, one string. */
  text: string;
}

const BODY = Buffer.from('{"message":{"type":"status-update","call":{"id":"c-tenancy"}}}');
const legacy = (secret: string): VerifyInput => ({
  rawBody: BODY,
  headers: { 'x-vapi-secret': secret },
});
const signed = (key: string): VerifyInput => {
  const ts = String(Math.floor(Date.now() / 1000));
  const signature = createHmac('sha256', key).update(`${ts}.`).update(BODY).digest('hex');
  return { rawBody: BODY, headers: { 'x-timestamp': ts, 'x-signature': signature } };
};

/** The value printed after `label:` (a secret or token shown once). */
function shown(run: Run, label: 'secret' | 'token'): string {
  const line = run.out.find((l) => l.startsWith(`${label} (shown once, store it now): `));
  if (line === undefined) throw new Error(`no ${label} in:\n${run.text}`);
  return line.slice(line.indexOf(': ') + 2);
}

/** The id in `added <id> <kind> …` / `rotating … added <id> …` / `created read token <id> …`. */
const idIn = (run: Run, pattern: RegExp): string => {
  const match = pattern.exec(run.text);
  if (match === null) throw new Error(`no ${String(pattern)} in:\n${run.text}`);
  return match[1];
};

describe('tenant registry (CLI and authentication against Postgres)', () => {
  let db: TestDatabase;
  let config: AppConfig;

  async function cli(argv: string[], stdin = '', withConfig: AppConfig = config): Promise<Run> {
    const [command, ...args] = argv as [TenancyCommand, ...string[]];
    const out: string[] = [];
    const err: string[] = [];
    let code: number;
    try {
      code = await runTenancyCommand(command, args, withConfig, {
        print: (line) => out.push(line),
        printError: (line) => err.push(line),
        readStdin: () => Promise.resolve(stdin),
      });
    } catch (error) {
      if (!(error instanceof TenancyUsageError)) throw error;
      code = 2;
      err.push(error.message);
    }
    return { code, out, err, text: [...out, ...err].join('\n') };
  }

  const tenants = () => new TenantsRepository(db.dataSource);
  const webhookAuth = () =>
    new TenantWebhookAuth({
      auth: config.auth,
      box: new SecretBox(config.tenancy.secretsKeys),
      load: (id) => tenants().findWithActiveCredentials(id),
      cacheMs: 0,
    });
  const readAuth = () => {
    const repo = new ReadTokensRepository(db.dataSource);
    return new ReadTokenAuthenticator({
      envTokens: [],
      production: true,
      cacheMs: 0,
      store: {
        findForAuth: (id) => repo.findForAuth(id),
        countActive: (at) => repo.countActive(at),
        touch: (id, at) => repo.touch(id, at),
      },
    });
  };

  beforeAll(async () => {
    config = testConfig({ SECRETS_KEY: randomBytes(32).toString('base64') });
    db = await createTestDatabase(config);
  });
  afterAll(async () => db?.drop());

  describe('tenants', () => {
    it('starts with the default tenant, which the migration created', async () => {
      const run = await cli(['tenants', 'list']);
      expect(run.code).toBe(0);
      expect(run.out[0]).toMatch(/^tenant\s+name\s+status\s+webhook credentials\s+read tokens$/);
      expect(run.out[1]).toMatch(/^default\s+Default tenant\s+active\s+-\s+0$/);
    });

    it('adds, lists, disables and enables a tenant, saying what changed', async () => {
      const added = await cli(['tenants', 'add', 'acme', '--name', 'Acme Corp']);
      expect(added).toMatchObject({ code: 0, err: [] });
      expect(added.out[0]).toBe('added tenant acme ("Acme Corp")');
      await cli(['credentials', 'add', '--tenant', 'acme', '--kind', 'bearer']);
      await cli(['tokens', 'create', '--tenant', 'acme']);

      const list = await cli(['tenants', 'list']);
      expect(list.out).toContainEqual(
        expect.stringMatching(/^acme\s+Acme Corp\s+active\s+bearer 1\s+1$/),
      );

      const disabled = await cli(['tenants', 'disable', 'acme']);
      expect(disabled.code).toBe(0);
      expect(disabled.out[0]).toMatch(
        /^disabled tenant acme: its 1 active webhook credential\(s\) and 1 read token\(s\) are refused from now on/,
      );
      expect((await cli(['tenants', 'list'])).out).toContainEqual(
        expect.stringMatching(/^acme\s+Acme Corp\s+disabled \d{4}-/),
      );
      const enabled = await cli(['tenants', 'enable', 'acme']);
      expect(enabled.out).toEqual([
        'enabled tenant acme: its active credentials and read tokens work again',
      ]);
    });

    it.each([
      [
        ['tenants', 'add', 'Acme'],
        /"Acme" is not a valid tenant id: use 1 to 63 lowercase letters/,
      ],
      [['tenants', 'add', 'default'], /tenant "default" already exists/],
      [['tenants', 'disable', 'default'], /the default tenant cannot be disabled/],
      [['tenants', 'disable', 'nobody'], /no tenant "nobody" \(see `tenants list`\)/],
      [['tenants', 'enable', 'default'], /tenant "default" is not disabled/],
    ])('refuses %j with a clear message', async (argv, message) => {
      const run = await cli(argv);
      expect(run.code).toBe(2);
      expect(run.out).toEqual([]);
      expect(run.err.join('\n')).toMatch(message);
    });
  });

  describe('credentials', () => {
    beforeAll(async () => {
      await cli(['tenants', 'add', 'globex']);
    });

    it('shows a generated secret once and stores only its hash', async () => {
      const run = await cli([
        'credentials',
        'add',
        '--tenant',
        'globex',
        '--kind',
        'legacy-secret',
        '--label',
        'prod',
      ]);
      expect(run.code).toBe(0);
      const secret = shown(run, 'secret');
      const id = idIn(run, /^added ([0-9a-f]{12}) legacy-secret "prod"/m);
      expect(run.text.split(secret)).toHaveLength(2);
      expect(run.out).toContain('active legacy-secret credentials of globex: 1 of 2');
      const [row] = await db.dataSource.query<{ row: string; secret_hash: Buffer }[]>(
        'SELECT t::text AS row, secret_hash FROM webhook_credentials t WHERE id = $1',
        [id],
      );
      expect(row.secret_hash).toEqual(hashSecret(secret));
      expect(row.row).not.toContain(secret);
    });

    it('stores an HMAC key sealed, never in the clear, and tells how to set it up in VAPI', async () => {
      const run = await cli(['credentials', 'add', '--tenant', 'globex', '--kind', 'hmac']);
      expect(run.code).toBe(0);
      const secret = shown(run, 'secret');
      expect(run.out).toContainEqual(
        expect.stringMatching(
          /^in VAPI: an HMAC credential with this secret, algorithm sha256, signature header x-signature \(hex\)/,
        ),
      );
      const id = idIn(run, /^added ([0-9a-f]{12}) hmac/m);
      const [row] = await db.dataSource.query<
        { sealed_secret: Buffer; key_id: string; secret_hash: null }[]
      >('SELECT sealed_secret, key_id, secret_hash FROM webhook_credentials WHERE id = $1', [id]);
      expect(row.secret_hash).toBeNull();
      expect(row.key_id).toBe(SecretBox.keyId(config.tenancy.secretsKeys[0]));
      expect(row.sealed_secret.includes(Buffer.from(secret))).toBe(false);
      expect(await webhookAuth().verify('globex', signed(secret))).toMatchObject({
        ok: true,
        mode: 'hmac',
      });
    });

    it('refuses an HMAC credential when SECRETS_KEY is missing, saying what to set', async () => {
      const withoutKey: AppConfig = { ...config, tenancy: { ...config.tenancy, secretsKeys: [] } };
      const run = await cli(
        ['credentials', 'add', '--tenant', 'globex', '--kind', 'hmac'],
        '',
        withoutKey,
      );
      expect(run.code).toBe(2);
      expect(run.err.join('\n')).toMatch(
        /SECRETS_KEY is not set: HMAC credentials are stored encrypted with it\. Set it to 32 random bytes in hex or base64/,
      );
      // Other kinds need no key.
      const bearer = await cli(
        ['credentials', 'add', '--tenant', 'globex', '--kind', 'bearer'],
        '',
        withoutKey,
      );
      expect(bearer.code).toBe(0);
    });

    it('takes a secret from stdin without echoing it, and refuses a short one', async () => {
      const secret = 'piped-legacy-secret-0c81f2a9e4';
      const run = await cli(
        ['credentials', 'add', '--tenant', 'globex', '--kind', 'legacy-secret', '--secret-stdin'],
        `${secret}\n`,
      );
      expect(run.code).toBe(0);
      expect(run.text).not.toContain(secret);
      expect(await webhookAuth().verify('globex', legacy(secret))).toMatchObject({ ok: true });

      await cli(['tenants', 'add', 'shorty']);
      const short = await cli(
        ['credentials', 'add', '--tenant', 'shorty', '--kind', 'bearer', '--secret-stdin'],
        'abc\n',
      );
      expect(short.code).toBe(2);
      expect(short.err.join('\n')).toMatch(/3 characters long; use at least 16/);
      expect(short.text).not.toContain('abc\n');
    });

    it('refuses a third active credential of a kind, naming the two and how to proceed', async () => {
      // globex now has two legacy secrets (the generated one and the piped one).
      const run = await cli([
        'credentials',
        'add',
        '--tenant',
        'globex',
        '--kind',
        'legacy-secret',
      ]);
      expect(run.code).toBe(2);
      expect(run.err.join('\n')).toMatch(
        /tenant "globex" already has 2 active legacy-secret credentials \([0-9a-f]{12}, [0-9a-f]{12}\), the most a rotation needs: revoke one first with `credentials revoke --tenant globex --id <id>`/,
      );
      expect(run.out).toEqual([]);
    });

    it('keeps at most two active credentials of a kind even when added concurrently', async () => {
      await cli(['tenants', 'add', 'race']);
      const admin = new TenancyAdmin(
        tenants(),
        new WebhookCredentialsRepository(db.dataSource),
        new ReadTokensRepository(db.dataSource),
        new SecretBox(config.tenancy.secretsKeys),
      );
      const results = await Promise.allSettled(
        [1, 2, 3, 4, 5].map(() => admin.addCredential({ tenantId: 'race', kind: 'bearer' })),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
      // The schema holds the line too, whoever writes.
      await expect(
        db.dataSource.query(
          `INSERT INTO webhook_credentials (id, tenant_id, kind, slot, secret_hash)
           VALUES ('aaaaaaaaaaaa', 'race', 'bearer', 1, $1)`,
          [hashSecret('x')],
        ),
      ).rejects.toThrow(/uq_webhook_credentials_active_slot/);
    });

    it('rotates: both secrets work, then only the new one after the old is revoked', async () => {
      await cli(['tenants', 'add', 'initech']);
      const first = await cli([
        'credentials',
        'add',
        '--tenant',
        'initech',
        '--kind',
        'legacy-secret',
      ]);
      const oldSecret = shown(first, 'secret');
      const oldId = idIn(first, /^added ([0-9a-f]{12})/m);
      const auth = webhookAuth();
      expect(await auth.verify('initech', legacy(oldSecret))).toMatchObject({ ok: true });

      const rotate = await cli(['credentials', 'rotate', '--tenant', 'initech']);
      expect(rotate.code).toBe(0);
      const newSecret = shown(rotate, 'secret');
      expect(rotate.out[0]).toMatch(
        new RegExp(
          `^rotating legacy-secret credential of tenant initech: added [0-9a-f]{12} legacy-secret .*; ${oldId} stays active$`,
        ),
      );
      expect(rotate.out).toContain(
        `switch VAPI to the new secret, then finish with \`credentials revoke --tenant initech --id ${oldId}\``,
      );
      expect(await auth.verify('initech', legacy(oldSecret))).toMatchObject({ ok: true });
      expect(await auth.verify('initech', legacy(newSecret))).toMatchObject({ ok: true });

      const again = await cli(['credentials', 'rotate', '--tenant', 'initech']);
      expect(again.code).toBe(2);
      expect(again.err.join('\n')).toMatch(
        /a rotation is already under way: tenant "initech" has 2 active legacy-secret credentials/,
      );

      const revoke = await cli(['credentials', 'revoke', '--tenant', 'initech', '--id', oldId]);
      expect(revoke.code).toBe(0);
      expect(revoke.out[0]).toMatch(
        new RegExp(`^revoked ${oldId} legacy-secret created .* of tenant initech$`),
      );
      expect(revoke.out[1]).toMatch(/^active legacy-secret credentials of initech: [0-9a-f]{12}$/);
      expect(await auth.verify('initech', legacy(oldSecret))).toMatchObject({
        ok: false,
        status: 401,
      });
      expect(await auth.verify('initech', legacy(newSecret))).toMatchObject({ ok: true });
    });

    it('refuses to rotate with nothing to rotate, or with several kinds and no --kind', async () => {
      await cli(['tenants', 'add', 'hooli']);
      const none = await cli(['credentials', 'rotate', '--tenant', 'hooli']);
      expect(none.err.join('\n')).toMatch(
        /has no active webhook credential to rotate: add one with `credentials add --tenant hooli --kind <kind>`/,
      );
      await cli(['credentials', 'add', '--tenant', 'hooli', '--kind', 'bearer']);
      await cli(['credentials', 'add', '--tenant', 'hooli', '--kind', 'hmac']);
      const ambiguous = await cli(['credentials', 'rotate', '--tenant', 'hooli']);
      expect(ambiguous.code).toBe(2);
      expect(ambiguous.err.join('\n')).toMatch(
        /has active credentials of several kinds \((bearer, hmac|hmac, bearer)\): name the one to rotate with --kind/,
      );
      const noLegacy = await cli([
        'credentials',
        'rotate',
        '--tenant',
        'hooli',
        '--kind',
        'legacy-secret',
      ]);
      expect(noLegacy.err.join('\n')).toMatch(/has no active legacy-secret credential to rotate/);
      expect(
        (await cli(['credentials', 'rotate', '--tenant', 'hooli', '--kind', 'hmac'])).code,
      ).toBe(0);
    });

    it('revokes only a named credential of the named tenant, once', async () => {
      await cli(['tenants', 'add', 'umbrella']);
      const added = await cli([
        'credentials',
        'add',
        '--tenant',
        'umbrella',
        '--kind',
        'bearer',
        '--label',
        'only',
      ]);
      const id = idIn(added, /^added ([0-9a-f]{12})/m);

      const unnamed = await cli(['credentials', 'revoke', '--tenant', 'umbrella']);
      expect(unnamed.code).toBe(2);
      expect(unnamed.err.join('\n')).toMatch(
        new RegExp(
          `name the credential to revoke with --id \\(tenant "umbrella": active: ${id} bearer "only" created `,
        ),
      );
      const elsewhere = await cli(['credentials', 'revoke', '--tenant', 'globex', '--id', id]);
      expect(elsewhere.err.join('\n')).toMatch(`tenant "globex" has no credential ${id}`);

      const revoked = await cli(['credentials', 'revoke', '--tenant', 'umbrella', '--id', id]);
      expect(revoked.code).toBe(0);
      expect(revoked.out).toContain(
        'warning: tenant umbrella has no active webhook credential left: its deliveries are refused',
      );
      const twice = await cli(['credentials', 'revoke', '--tenant', 'umbrella', '--id', id]);
      expect(twice.err.join('\n')).toMatch(
        new RegExp(`credential ${id} was already revoked at \\d{4}-`),
      );

      const list = await cli(['credentials', 'list', '--tenant', 'umbrella', '--revoked']);
      expect(list.out[1]).toMatch(
        new RegExp(`^${id}\\s+bearer\\s+only\\s+\\S+\\s+revoked \\d{4}-`),
      );
      expect((await cli(['credentials', 'list', '--tenant', 'umbrella'])).out).toEqual([
        'tenant umbrella has no webhook credential',
      ]);
    });

    it('refuses credentials for an unknown or disabled tenant', async () => {
      const unknown = await cli(['credentials', 'add', '--tenant', 'nobody', '--kind', 'bearer']);
      expect(unknown.err.join('\n')).toMatch(/no tenant "nobody"/);
      await cli(['tenants', 'add', 'sleepy']);
      await cli(['tenants', 'disable', 'sleepy']);
      const disabled = await cli(['credentials', 'add', '--tenant', 'sleepy', '--kind', 'bearer']);
      expect(disabled.code).toBe(2);
      expect(disabled.err.join('\n')).toMatch(
        /tenant "sleepy" is disabled .*; enable it first with `tenants enable sleepy`/,
      );
    });
  });

  describe('read tokens', () => {
    beforeAll(async () => {
      await cli(['tenants', 'add', 'wayne']);
    });

    it('shows a token once, with its scope and expiry, and stores only its hash', async () => {
      const run = await cli([
        'tokens',
        'create',
        '--tenant',
        'wayne',
        '--label',
        'dashboard',
        '--expires',
        '30d',
      ]);
      expect(run.code).toBe(0);
      const token = shown(run, 'token');
      expect(token).toMatch(/^vhr_[0-9a-f]{12}_/);
      expect(run.out[0]).toMatch(
        /^created read token [0-9a-f]{12} for tenant "wayne" \("dashboard"\), expires \d{4}-/,
      );
      expect(run.text.split(token)).toHaveLength(2);
      const rows = await db.dataSource.query<{ row: string }[]>(
        'SELECT t::text AS row FROM read_tokens t',
      );
      expect(rows.map((r) => r.row).join('\n')).not.toContain(token.split('_')[2]);
      expect(await readAuth().authorize(`Bearer ${token}`)).toMatchObject({
        ok: true,
        scope: { tenantId: 'wayne' },
      });
    });

    it('gives a revoked token 401, and lists it as revoked (never its secret)', async () => {
      const created = await cli(['tokens', 'create', '--all', '--label', 'ops']);
      const token = shown(created, 'token');
      const id = idIn(created, /^created read token ([0-9a-f]{12}) for every tenant \(operator\)/m);
      expect(await readAuth().authorize(`Bearer ${token}`)).toMatchObject({
        ok: true,
        scope: { all: true },
      });

      const unnamed = await cli(['tokens', 'revoke']);
      expect(unnamed.err.join('\n')).toMatch(/name the token to revoke with --id/);
      const wrongScope = await cli(['tokens', 'revoke', '--id', id, '--tenant', 'wayne']);
      expect(wrongScope.err.join('\n')).toMatch(
        `read token ${id} is for every tenant (operator), not for tenant "wayne"`,
      );
      const revoked = await cli(['tokens', 'revoke', '--id', id, '--all']);
      expect(revoked.out[0]).toBe(`revoked read token ${id} for every tenant (operator)`);
      expect(await readAuth().authorize(`Bearer ${token}`)).toEqual({
        ok: false,
        status: 401,
        reason: `Token ${id} has been revoked.`,
      });

      const list = await cli(['tokens', 'list', '--all', '--revoked']);
      expect(list.out).toContainEqual(
        expect.stringMatching(
          new RegExp(`^${id}\\s+\\(all tenants\\)\\s+ops\\s+.*revoked \\d{4}-`),
        ),
      );
      expect(list.text).not.toContain(token);
      expect((await cli(['tokens', 'list', '--all'])).out).not.toContainEqual(
        expect.stringContaining(id),
      );
    });

    it('gives an expired token 401', async () => {
      const created = await cli(['tokens', 'create', '--tenant', 'wayne', '--expires', '1h']);
      const token = shown(created, 'token');
      const id = idIn(created, /^created read token ([0-9a-f]{12})/m);
      expect(await readAuth().authorize(`Bearer ${token}`)).toMatchObject({ ok: true });
      await db.dataSource.query(
        `UPDATE read_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`,
        [id],
      );
      expect(await readAuth().authorize(`Bearer ${token}`)).toMatchObject({
        ok: false,
        status: 401,
        reason: expect.stringMatching(new RegExp(`^Token ${id} expired at`)),
      });
      expect((await cli(['tokens', 'list', '--tenant', 'wayne'])).out).toContainEqual(
        expect.stringMatching(new RegExp(`^${id}\\s.*\\sexpired\\s`)),
      );
    });

    it('refuses an expiry in the past and tokens for unknown tenants', async () => {
      const past = await cli(['tokens', 'create', '--all', '--expires', '2020-01-01']);
      expect(past.err.join('\n')).toMatch(/--expires 2020-01-01T00:00:00.000Z is in the past/);
      const unknown = await cli(['tokens', 'create', '--tenant', 'nobody']);
      expect(unknown.err.join('\n')).toMatch(/no tenant "nobody"/);
    });

    it('records when a token was last used', async () => {
      const created = await cli(['tokens', 'create', '--tenant', 'wayne']);
      const token = shown(created, 'token');
      const id = idIn(created, /^created read token ([0-9a-f]{12})/m);
      await readAuth().authorize(`Bearer ${token}`);
      // The use is recorded in the background; wait for the row rather than for time.
      for (let i = 0; i < 100; i += 1) {
        const [row] = await db.dataSource.query<{ last_used_at: Date | null }[]>(
          'SELECT last_used_at FROM read_tokens WHERE id = $1',
          [id],
        );
        if (row.last_used_at !== null) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error('last_used_at was never set');
    });
  });

  it('disabling a tenant refuses its credentials and tokens; enabling restores them', async () => {
    await cli(['tenants', 'add', 'cyberdyne']);
    const secret = shown(
      await cli(['credentials', 'add', '--tenant', 'cyberdyne', '--kind', 'legacy-secret']),
      'secret',
    );
    const token = shown(await cli(['tokens', 'create', '--tenant', 'cyberdyne']), 'token');
    const [auth, reads] = [webhookAuth(), readAuth()];
    expect(await auth.verify('cyberdyne', legacy(secret))).toMatchObject({ ok: true });
    expect(await reads.authorize(`Bearer ${token}`)).toMatchObject({ ok: true });

    expect((await cli(['tenants', 'disable', 'cyberdyne'])).code).toBe(0);
    expect(await auth.verify('cyberdyne', legacy(secret))).toMatchObject({
      ok: false,
      status: 403,
    });
    expect(await reads.authorize(`Bearer ${token}`)).toMatchObject({
      ok: false,
      status: 401,
      reason: expect.stringMatching(/which is disabled/),
    });
    expect(await new ReadTokensRepository(db.dataSource).countActive(new Date())).toBeGreaterThan(
      0,
    );

    await cli(['tenants', 'enable', 'cyberdyne']);
    expect(await auth.verify('cyberdyne', legacy(secret))).toMatchObject({ ok: true });
    expect(await reads.authorize(`Bearer ${token}`)).toMatchObject({ ok: true });
  });

  it('counts only usable tokens as active (the production boot check relies on it)', async () => {
    const repo = new ReadTokensRepository(db.dataSource);
    const before = await repo.countActive(new Date());
    await cli(['tenants', 'add', 'counted']);
    await cli(['tokens', 'create', '--tenant', 'counted']);
    expect(await repo.countActive(new Date())).toBe(before + 1);
    await cli(['tenants', 'disable', 'counted']);
    expect(await repo.countActive(new Date())).toBe(before);
  });
});
