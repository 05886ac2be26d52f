import { createHmac, randomBytes } from 'node:crypto';
import { type WebhookAuthConfig, loadConfig } from '@app/config';
import {
  SecretBox,
  generateWebhookSecret,
  hashSecret,
  newCredentialId,
  webhookCredentialContext,
} from '@app/database';
import type { VerifyInput } from '../vapi-webhook/webhook-verifier';
import {
  type StoredCredential,
  type TenantCredentials,
  TenantWebhookAuth,
  buildTenantVerifier,
} from './tenant-webhook-auth';

const BODY = Buffer.from('{"message":{"type":"status-update","call":{"id":"c1"}}}');
const NOW_MS = 1_770_000_000_000;
const box = new SecretBox([randomBytes(32)]);

const legacy = (secret: string): VerifyInput => ({
  rawBody: BODY,
  headers: { 'x-vapi-secret': secret },
});
const bearer = (token: string): VerifyInput => ({
  rawBody: BODY,
  headers: { authorization: `Bearer ${token}` },
});
const signed = (secret: string, ts = Math.floor(NOW_MS / 1000)): VerifyInput => ({
  rawBody: BODY,
  headers: {
    'x-timestamp': String(ts),
    'x-signature': createHmac('sha256', secret).update(`${ts}.`).update(BODY).digest('hex'),
  },
});

/** A stored credential as the CLI writes it. */
function stored(
  tenantId: string,
  kind: StoredCredential['kind'],
  secret: string,
  sealWith: SecretBox = box,
): StoredCredential {
  const id = newCredentialId();
  if (kind !== 'hmac') {
    return { id, tenantId, kind, secretHash: hashSecret(secret), sealedSecret: null, keyId: null };
  }
  const sealed = sealWith.seal(Buffer.from(secret), webhookCredentialContext(id, tenantId));
  return { id, tenantId, kind, secretHash: null, sealedSecret: sealed.sealed, keyId: sealed.keyId };
}

const auth = (env: Record<string, string> = {}): WebhookAuthConfig => loadConfig(env).auth;

/** A fake registry the test edits as the CLI would edit the database. */
class Registry {
  tenants = new Map<string, TenantCredentials>();
  loads = 0;
  down = false;
  add(tenantId: string, ...credentials: StoredCredential[]): void {
    this.tenants.set(tenantId, { tenant: { id: tenantId, disabledAt: null }, credentials });
  }
  load = (tenantId: string): Promise<TenantCredentials | undefined> => {
    this.loads += 1;
    if (this.down) return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
    const found = this.tenants.get(tenantId);
    return Promise.resolve(
      found && { tenant: { ...found.tenant }, credentials: [...found.credentials] },
    );
  };
}

describe(TenantWebhookAuth.name, () => {
  let now: number;
  let registry: Registry;
  const make = (env: Record<string, string> = {}, cacheMs = 10_000) =>
    new TenantWebhookAuth({ auth: auth(env), box, load: registry.load, cacheMs, now: () => now });

  beforeEach(() => {
    now = NOW_MS;
    registry = new Registry();
  });

  it('accepts both secrets during a rotation, then only the new one once the old is revoked', async () => {
    const [oldSecret, newSecret] = [generateWebhookSecret(), generateWebhookSecret()];
    const old = stored('acme', 'legacy-secret', oldSecret);
    const fresh = stored('acme', 'legacy-secret', newSecret);
    registry.add('acme', old);
    const tenantAuth = make({}, 10_000);
    expect(await tenantAuth.verify('acme', legacy(oldSecret))).toMatchObject({ ok: true });
    expect(await tenantAuth.verify('acme', legacy(newSecret))).toMatchObject({ ok: false });

    registry.add('acme', old, fresh); // credentials rotate
    now += 10_000;
    expect(await tenantAuth.verify('acme', legacy(oldSecret))).toEqual({
      ok: true,
      tenantId: 'acme',
      mode: 'legacy-secret',
    });
    expect(await tenantAuth.verify('acme', legacy(newSecret))).toMatchObject({ ok: true });

    registry.add('acme', fresh); // credentials revoke <old>
    now += 5_000;
    // Within the cache time the old secret still works: that is the documented bound...
    expect(await tenantAuth.verify('acme', legacy(oldSecret))).toMatchObject({ ok: true });
    now += 5_000;
    // ...and after it, never again.
    expect(await tenantAuth.verify('acme', legacy(oldSecret))).toMatchObject({
      ok: false,
      status: 401,
      mode: 'legacy-secret',
    });
    expect(await tenantAuth.verify('acme', legacy(newSecret))).toMatchObject({ ok: true });
  });

  it('checks stored bearer tokens and sealed HMAC keys of the tenant', async () => {
    const token = generateWebhookSecret();
    const hmacKey = generateWebhookSecret();
    registry.add('acme', stored('acme', 'bearer', token), stored('acme', 'hmac', hmacKey));
    const tenantAuth = make();
    expect(await tenantAuth.verify('acme', bearer(token))).toMatchObject({
      ok: true,
      mode: 'bearer',
    });
    expect(await tenantAuth.verify('acme', signed(hmacKey))).toMatchObject({
      ok: true,
      mode: 'hmac',
    });
    expect(await tenantAuth.verify('acme', signed(generateWebhookSecret()))).toMatchObject({
      ok: false,
      status: 401,
      reason: 'invalid signature',
    });
    // The replay window applies to stored keys as to configured ones.
    expect(await tenantAuth.verify('acme', signed(hmacKey, NOW_MS / 1000 - 3600))).toMatchObject({
      ok: false,
      status: 401,
    });
  });

  it('never accepts one tenant’s credential for another tenant', async () => {
    const acmeSecret = generateWebhookSecret();
    registry.add('acme', stored('acme', 'legacy-secret', acmeSecret));
    registry.add('globex', stored('globex', 'legacy-secret', generateWebhookSecret()));
    const tenantAuth = make({ VAPI_WEBHOOK_SECRET: 'env-secret-of-the-default-tenant' });
    expect(await tenantAuth.verify('globex', legacy(acmeSecret))).toMatchObject({
      ok: false,
      status: 401,
    });
    // The environment's secrets belong to the default tenant only.
    expect(
      await tenantAuth.verify('acme', legacy('env-secret-of-the-default-tenant')),
    ).toMatchObject({
      ok: false,
      status: 401,
    });
  });

  it('refuses an HMAC key sealed for another row (a copied ciphertext)', async () => {
    const key = generateWebhookSecret();
    const acme = stored('acme', 'hmac', key);
    registry.add('globex', { ...acme, tenantId: 'globex' });
    const result = await make().verify('globex', signed(key));
    expect(result).toMatchObject({ ok: false, status: 503 });
  });

  it('answers 404 for an unknown tenant, without a lookup when the id cannot exist', async () => {
    const tenantAuth = make();
    expect(await tenantAuth.verify('nobody', legacy('x'))).toEqual({
      ok: false,
      status: 404,
      reason: 'no tenant "nobody"',
    });
    expect(registry.loads).toBe(1);
    expect(await tenantAuth.verify('../Etc', legacy('x'))).toEqual({
      ok: false,
      status: 404,
      reason: 'no such tenant',
    });
    expect(registry.loads).toBe(1);
  });

  it('refuses a disabled tenant’s valid credentials with 403', async () => {
    const secret = generateWebhookSecret();
    registry.add('acme', stored('acme', 'legacy-secret', secret));
    registry.tenants.get('acme')!.tenant.disabledAt = new Date(NOW_MS);
    expect(await make().verify('acme', legacy(secret))).toEqual({
      ok: false,
      status: 403,
      reason: 'tenant "acme" is disabled',
    });
  });

  it('refuses everything for a tenant without credentials (never open)', async () => {
    registry.add('acme');
    expect(await make().verify('acme', legacy(''))).toEqual({
      ok: false,
      status: 401,
      reason: 'tenant "acme" has no active webhook credential',
    });
  });

  it('gives the default tenant its environment secrets and its stored credentials', async () => {
    const storedSecret = generateWebhookSecret();
    registry.add('default', stored('default', 'legacy-secret', storedSecret));
    const tenantAuth = make({ VAPI_WEBHOOK_HMAC_SECRET: 'env-hmac-key-of-default' });
    expect(await tenantAuth.verify('default', signed('env-hmac-key-of-default'))).toMatchObject({
      ok: true,
      mode: 'hmac',
    });
    expect(await tenantAuth.verify('default', legacy(storedSecret))).toMatchObject({ ok: true });
    expect(await tenantAuth.verify('default', legacy('guess'))).toMatchObject({
      ok: false,
      status: 401,
    });
  });

  it('leaves the default tenant open when nothing at all is configured, as before tenants', async () => {
    registry.add('default');
    expect(await make().verify('default', legacy(''))).toEqual({
      ok: true,
      tenantId: 'default',
      mode: 'none',
    });
  });

  it('answers 503 when a tenant’s credentials cannot be read, but the default keeps its env secrets', async () => {
    registry.down = true;
    const tenantAuth = make({ VAPI_WEBHOOK_SECRET: 'env-secret-while-postgres-is-down' });
    expect(await tenantAuth.verify('acme', legacy('x'))).toMatchObject({ ok: false, status: 503 });
    expect(
      await tenantAuth.verify('default', legacy('env-secret-while-postgres-is-down')),
    ).toMatchObject({ ok: true, tenantId: 'default' });
    // A credential we cannot check may be a stored one: retry rather than refuse for good.
    expect(await tenantAuth.verify('default', legacy('other'))).toMatchObject({ status: 503 });
  });

  it('keeps using the last credentials read while the database is unreachable', async () => {
    const secret = generateWebhookSecret();
    registry.add('acme', stored('acme', 'bearer', secret));
    const unavailable: boolean[] = [];
    const tenantAuth = new TenantWebhookAuth({
      auth: auth(),
      box,
      load: registry.load,
      cacheMs: 1_000,
      now: () => now,
      log: {
        loaded: () => {},
        unusable: () => {},
        unavailable: (_t, _e, stale) => unavailable.push(stale),
      },
    });
    expect(await tenantAuth.verify('acme', bearer(secret))).toMatchObject({ ok: true });
    registry.down = true;
    now += 60_000;
    expect(await tenantAuth.verify('acme', bearer(secret))).toMatchObject({ ok: true });
    expect(unavailable).toEqual([true]);
  });

  it('uses the credentials it can when one cannot be opened, and asks for a retry on failure', async () => {
    const good = generateWebhookSecret();
    const otherBox = new SecretBox([randomBytes(32)]);
    const lost = stored('acme', 'hmac', generateWebhookSecret(), otherBox);
    registry.add('acme', stored('acme', 'hmac', good), lost);
    const reported: string[] = [];
    const tenantAuth = new TenantWebhookAuth({
      auth: auth(),
      box,
      load: registry.load,
      cacheMs: 10_000,
      now: () => now,
      log: { loaded: () => {}, unusable: (_t, id) => reported.push(id), unavailable: () => {} },
    });
    expect(await tenantAuth.verify('acme', signed(good))).toMatchObject({ ok: true });
    expect(await tenantAuth.verify('acme', signed(generateWebhookSecret()))).toMatchObject({
      ok: false,
      status: 503,
    });
    expect(reported).toEqual([lost.id]);
  });
});

describe(buildTenantVerifier.name, () => {
  it('accepts what `hashSecret` stored exactly as the verifier accepts a configured secret', () => {
    const secret = 'secret-with-ünicode-and-spaces ';
    const record: TenantCredentials = {
      tenant: { id: 'acme', disabledAt: null },
      credentials: [stored('acme', 'legacy-secret', secret), stored('acme', 'bearer', secret)],
    };
    const { verifier, unusable } = buildTenantVerifier(auth(), record, box, () => NOW_MS);
    expect(unusable).toEqual([]);
    expect(verifier.verify(legacy(secret))).toEqual({ ok: true, mode: 'legacy-secret' });
    expect(verifier.verify(bearer(secret))).toEqual({ ok: true, mode: 'bearer' });
    expect(verifier.verify(legacy(secret.trim()))).toMatchObject({ ok: false });
  });

  it('refuses a stored digest that is not 32 bytes when building, not per request', () => {
    const record: TenantCredentials = {
      tenant: { id: 'acme', disabledAt: null },
      credentials: [{ ...stored('acme', 'bearer', 'x'.repeat(20)), secretHash: Buffer.alloc(16) }],
    };
    expect(() => buildTenantVerifier(auth(), record, box)).toThrow(/32 bytes/);
  });
});
