import { type ReadTokenRecord, generateReadToken } from '@app/database';
import { ReadTokenAuthenticator, type ReadTokenStore } from './read-token-authenticator';

const NOW_MS = 1_770_000_000_000;

/** The database side, as the CLI would leave it. */
class Store implements ReadTokenStore {
  records = new Map<string, ReadTokenRecord>();
  touched: string[] = [];
  lookups = 0;
  down = false;
  issue(tenantId: string | null, extra: Partial<ReadTokenRecord> = {}): string {
    const { id, token, hash } = generateReadToken();
    this.records.set(id, {
      id,
      tenantId,
      tokenHash: hash,
      expiresAt: null,
      revokedAt: null,
      tenantDisabledAt: null,
      ...extra,
    });
    return token;
  }
  record(token: string): ReadTokenRecord {
    return this.records.get(token.split('_')[1])!;
  }
  findForAuth(id: string): Promise<ReadTokenRecord | undefined> {
    this.lookups += 1;
    if (this.down) return Promise.reject(new Error('database down'));
    const found = this.records.get(id);
    return Promise.resolve(found && { ...found });
  }
  countActive(at: Date): Promise<number> {
    if (this.down) return Promise.reject(new Error('database down'));
    return Promise.resolve(
      [...this.records.values()].filter(
        (r) => r.revokedAt === null && (r.expiresAt === null || r.expiresAt > at),
      ).length,
    );
  }
  touch(id: string): Promise<void> {
    this.touched.push(id);
    return Promise.resolve();
  }
}

describe(ReadTokenAuthenticator.name, () => {
  let now: number;
  let store: Store;
  const make = (options: { envTokens?: string[]; production?: boolean; cacheMs?: number } = {}) =>
    new ReadTokenAuthenticator({
      envTokens: options.envTokens ?? ['env-operator-token'],
      production: options.production ?? false,
      cacheMs: options.cacheMs ?? 10_000,
      store,
      now: () => now,
    });
  const bearer = (token: string) => `Bearer ${token}`;

  beforeEach(() => {
    now = NOW_MS;
    store = new Store();
  });

  it('treats API_TOKENS as operator tokens for every tenant, without the database', async () => {
    store.down = true;
    expect(await make().authorize(bearer('env-operator-token'))).toEqual({
      ok: true,
      scope: { all: true },
    });
  });

  it('scopes a stored token to its tenant, or to every tenant', async () => {
    const acme = store.issue('acme');
    const operator = store.issue(null);
    const auth = make();
    expect(await auth.authorize(bearer(acme))).toEqual({
      ok: true,
      scope: { all: false, tenantId: 'acme' },
      tokenId: store.record(acme).id,
    });
    expect(await auth.authorize(bearer(operator))).toMatchObject({
      ok: true,
      scope: { all: true },
    });
  });

  it('refuses a revoked token once the cache time has passed', async () => {
    const token = store.issue('acme');
    const auth = make({ cacheMs: 10_000 });
    expect(await auth.authorize(bearer(token))).toMatchObject({ ok: true });
    store.record(token).revokedAt = new Date(now);
    now += 10_000;
    expect(await auth.authorize(bearer(token))).toEqual({
      ok: false,
      status: 401,
      reason: `Token ${store.record(token).id} has been revoked.`,
    });
  });

  it('refuses an expired token at once (expiry is checked on every request)', async () => {
    const token = store.issue('acme', { expiresAt: new Date(NOW_MS + 1_000) });
    const auth = make();
    expect(await auth.authorize(bearer(token))).toMatchObject({ ok: true });
    now += 1_000;
    expect(await auth.authorize(bearer(token))).toMatchObject({
      ok: false,
      status: 401,
      reason: expect.stringMatching(/expired at/),
    });
  });

  it('refuses the tokens of a disabled tenant', async () => {
    const token = store.issue('acme', { tenantDisabledAt: new Date(NOW_MS - 1) });
    expect(await make().authorize(bearer(token))).toMatchObject({
      ok: false,
      status: 401,
      reason: expect.stringMatching(/tenant "acme", which is disabled/),
    });
  });

  it('says nothing about a token whose secret part is wrong, even a revoked one', async () => {
    const token = store.issue('acme', { revokedAt: new Date(NOW_MS - 1) });
    const forged = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(await make().authorize(bearer(forged))).toEqual({
      ok: false,
      status: 401,
      reason: 'Invalid token.',
    });
  });

  it('refuses unknown and malformed tokens, and a missing header', async () => {
    const auth = make();
    store.issue('acme');
    expect(await auth.authorize(bearer(generateReadToken().token))).toMatchObject({
      status: 401,
      reason: 'Invalid token.',
    });
    expect(await auth.authorize(bearer('not-a-token'))).toMatchObject({ status: 401 });
    expect(await auth.authorize('Basic Zm9vOmJhcg==')).toMatchObject({
      status: 401,
      reason: 'Bearer token required.',
    });
    expect(await auth.authorize(undefined)).toMatchObject({ status: 401 });
  });

  it('looks a token up once per cache time', async () => {
    const token = store.issue('acme');
    const auth = make({ cacheMs: 10_000 });
    for (let i = 0; i < 5; i += 1) await auth.authorize(bearer(token));
    expect(store.lookups).toBe(1);
  });

  it('records uses at most once a minute per token, in the background', async () => {
    const token = store.issue('acme');
    const auth = make();
    await auth.authorize(bearer(token));
    await auth.authorize(bearer(token));
    now += 60_000;
    await auth.authorize(bearer(token));
    expect(store.touched).toEqual([store.record(token).id, store.record(token).id]);
  });

  it('answers 503 when stored tokens cannot be read', async () => {
    const token = store.issue('acme');
    store.down = true;
    expect(await make().authorize(bearer(token))).toMatchObject({ ok: false, status: 503 });
  });

  describe('with no API_TOKENS', () => {
    it('is open in development while no token is stored, and closes when one is', async () => {
      const auth = make({ envTokens: [], cacheMs: 0 });
      expect(await auth.authorize(undefined)).toEqual({ ok: true, scope: { all: true } });
      const token = store.issue('acme');
      expect(await auth.authorize(undefined)).toMatchObject({ ok: false, status: 401 });
      expect(await auth.authorize(bearer(token))).toMatchObject({
        ok: true,
        scope: { tenantId: 'acme' },
      });
    });

    it('is never open in production, even with no token anywhere', async () => {
      const auth = make({ envTokens: [], production: true });
      expect(await auth.authorize(undefined)).toMatchObject({ ok: false, status: 401 });
      expect(await auth.authorize(bearer('anything'))).toMatchObject({ ok: false, status: 401 });
    });
  });
});
