import { createHash, timingSafeEqual } from 'node:crypto';
import { type ReadTokenRecord, hashSecret, readTokenId, sameDigest } from '@app/database';
import { ALL_TENANTS, type ReadScope } from './read-scope';
import { TtlCache } from './ttl-cache';

/** Outcome of `ReadTokenAuthenticator.authorize`; `reason` is safe for a response. */
export type ReadAuthResult =
  | { ok: true; scope: ReadScope; tokenId?: string }
  | { ok: false; status: 401 | 503; reason: string };

/** The database side of read tokens. */
export interface ReadTokenStore {
  findForAuth(id: string): Promise<ReadTokenRecord | undefined>;
  countActive(at: Date): Promise<number>;
  touch(id: string, at: Date): Promise<void>;
}

/** What `ReadTokenAuthenticator` needs. */
export interface ReadTokenAuthenticatorOptions {
  /** `API_TOKENS`: operator tokens, every tenant. */
  envTokens: readonly string[];
  /** In production the read API is never open, whatever the token count. */
  production: boolean;
  store: ReadTokenStore;
  /** How long a token's state (and the "any tokens at all?" answer) is reused. */
  cacheMs: number;
  now?: () => number;
  /** Least time between two `last_used_at` updates of one token from this process. */
  touchEveryMs?: number;
  /** Told when recording a use failed (it never fails the request). */
  onTouchError?: (tokenId: string, error: unknown) => void;
}

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();
const UNAVAILABLE = 'read tokens cannot be checked right now (database unreachable); retry later';

/**
 * Decides who a read-API request is: an operator (a token of `API_TOKENS`, or a stored token
 * for every tenant), one tenant (a stored tenant token), or nobody (401). Stored tokens are
 * looked up by their id part and compared by SHA-256 in constant time; their state is cached for
 * `cacheMs`, which bounds how long a revoked token, or one of a disabled tenant, still works.
 * Expiry is checked against the clock on every request.
 */
export class ReadTokenAuthenticator {
  private readonly envDigests: Buffer[];
  private readonly tokens: TtlCache<ReadTokenRecord | undefined>;
  private readonly counts: TtlCache<number>;
  private readonly touchedAt = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly options: ReadTokenAuthenticatorOptions) {
    this.envDigests = options.envTokens.filter((t) => t.length > 0).map(digest);
    this.now = options.now ?? Date.now;
    this.tokens = new TtlCache(options.cacheMs, this.now);
    this.counts = new TtlCache(options.cacheMs, this.now);
  }

  /** Authorizes a request from its `Authorization` header. */
  async authorize(authorization: string | undefined): Promise<ReadAuthResult> {
    const token = /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1].trim();
    if (token !== undefined && this.isEnvToken(token)) return { ok: true, scope: ALL_TENANTS };
    if (this.envDigests.length === 0 && !this.options.production) {
      // Development without any token: open, as before tenants existed (a warning at boot).
      try {
        const { value } = await this.counts.get('active', () =>
          this.options.store.countActive(new Date(this.now())),
        );
        if (value === 0) return { ok: true, scope: ALL_TENANTS };
      } catch {
        return { ok: false, status: 503, reason: UNAVAILABLE };
      }
    }
    if (token === undefined) return { ok: false, status: 401, reason: 'Bearer token required.' };
    return this.checkStored(token);
  }

  /** Forgets cached token states. */
  invalidate(): void {
    this.tokens.clear();
    this.counts.clear();
  }

  private isEnvToken(token: string): boolean {
    const presented = digest(token);
    let ok = false;
    for (const known of this.envDigests) ok = timingSafeEqual(known, presented) || ok;
    return ok;
  }

  private async checkStored(token: string): Promise<ReadAuthResult> {
    const invalid: ReadAuthResult = { ok: false, status: 401, reason: 'Invalid token.' };
    const id = readTokenId(token);
    if (id === undefined) return invalid;
    let record: ReadTokenRecord | undefined;
    try {
      record = (await this.tokens.get(id, () => this.options.store.findForAuth(id))).value;
    } catch {
      return { ok: false, status: 503, reason: UNAVAILABLE };
    }
    // The secret is checked before anything about the token is told: knowing an id reveals nothing.
    if (record === undefined || !sameDigest(hashSecret(token), record.tokenHash)) return invalid;
    const now = this.now();
    if (record.revokedAt !== null && record.revokedAt.getTime() <= now) {
      return { ok: false, status: 401, reason: `Token ${id} has been revoked.` };
    }
    if (record.expiresAt !== null && record.expiresAt.getTime() <= now) {
      return {
        ok: false,
        status: 401,
        reason: `Token ${id} expired at ${record.expiresAt.toISOString()}.`,
      };
    }
    if (record.tenantDisabledAt !== null) {
      return {
        ok: false,
        status: 401,
        reason: `Token ${id} belongs to tenant "${record.tenantId ?? ''}", which is disabled.`,
      };
    }
    this.recordUse(id, now);
    const scope: ReadScope =
      record.tenantId === null ? ALL_TENANTS : { all: false, tenantId: record.tenantId };
    return { ok: true, scope, tokenId: id };
  }

  /** Updates `last_used_at` in the background, at most every `touchEveryMs` per token. */
  private recordUse(id: string, now: number): void {
    const every = this.options.touchEveryMs ?? 60_000;
    const last = this.touchedAt.get(id);
    if (last !== undefined && now - last < every) return;
    if (this.touchedAt.size >= 10_000) this.touchedAt.clear();
    this.touchedAt.set(id, now);
    this.options.store.touch(id, new Date(now)).catch((error: unknown) => {
      this.options.onTouchError?.(id, error);
    });
  }
}
