import type { WebhookAuthConfig } from '@app/config';
import {
  DEFAULT_TENANT_ID,
  SecretBox,
  TENANT_ID_PATTERN,
  type WebhookCredential,
  webhookCredentialContext,
} from '@app/database';
import {
  type VerifyInput,
  type WebhookAuthMode,
  WebhookVerifier,
} from '../vapi-webhook/webhook-verifier';
import { TtlCache } from './ttl-cache';

/** The stored credential fields a verifier is built from. */
export type StoredCredential = Pick<
  WebhookCredential,
  'id' | 'tenantId' | 'kind' | 'secretHash' | 'sealedSecret' | 'keyId'
>;

/** A tenant and its active credentials, as loaded from the database. */
export interface TenantCredentials {
  tenant: { id: string; disabledAt: Date | null };
  credentials: StoredCredential[];
}

/**
 * Outcome of a tenant's webhook check. `status` is what the route answers: 404 unknown tenant,
 * 403 disabled tenant, 401 bad or missing credentials, 503 when the credentials cannot be
 * known right now (the sender should retry). `reason` is safe for a response and a log.
 */
export type TenantWebhookOutcome =
  | { ok: true; tenantId: string; mode: WebhookAuthMode | 'none' }
  | { ok: false; status: 401 | 403 | 404 | 503; reason: string; mode?: WebhookAuthMode };

/** A tenant's verifier, with the credentials that could not be used (id and why). */
export interface TenantVerifier {
  verifier: WebhookVerifier;
  unusable: { id: string; reason: string }[];
}

/**
 * Builds the verifier of one tenant from its active credentials. The default tenant also keeps
 * the secrets of the environment; the scheme settings (headers, HMAC algorithm and format) are
 * the deployment's for every tenant. Pure apart from decryption.
 */
export function buildTenantVerifier(
  auth: WebhookAuthConfig,
  record: TenantCredentials,
  box: SecretBox,
  now: () => number = Date.now,
): TenantVerifier {
  const withEnv = record.tenant.id === DEFAULT_TENANT_ID;
  const unusable: TenantVerifier['unusable'] = [];
  const hmacSecrets: Buffer[] = [];
  for (const c of record.credentials) {
    if (c.kind !== 'hmac') continue;
    if (c.sealedSecret === null || c.keyId === null) {
      unusable.push({ id: c.id, reason: 'no sealed secret stored' });
      continue;
    }
    try {
      hmacSecrets.push(
        box.open(
          { keyId: c.keyId, sealed: c.sealedSecret },
          webhookCredentialContext(c.id, c.tenantId),
        ),
      );
    } catch (error) {
      unusable.push({ id: c.id, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  const digests = (kind: StoredCredential['kind']): Buffer[] =>
    record.credentials
      .filter((c) => c.kind === kind && c.secretHash !== null)
      .map((c) => c.secretHash as Buffer);
  const config: WebhookAuthConfig = {
    legacySecrets: withEnv ? auth.legacySecrets : [],
    bearer: { ...auth.bearer, tokens: withEnv ? auth.bearer.tokens : [] },
    hmac: { ...auth.hmac, secrets: [...(withEnv ? auth.hmac.secrets : []), ...hmacSecrets] },
  };
  const verifier = new WebhookVerifier(config, now, {
    legacySecrets: digests('legacy-secret'),
    bearerTokens: digests('bearer'),
  });
  return { verifier, unusable };
}

type Entry =
  | { kind: 'unknown' }
  | { kind: 'disabled' }
  | ({ kind: 'ready'; credentialIds: string[] } & TenantVerifier);

/** What `TenantWebhookAuth` reports to its owner's log. No secret material ever reaches it. */
export interface TenantAuthLog {
  loaded(tenantId: string, credentialIds: string[]): void;
  unusable(tenantId: string, credentialId: string, reason: string): void;
  unavailable(tenantId: string, error: unknown, stale: boolean): void;
}

/** What `TenantWebhookAuth` needs. */
export interface TenantWebhookAuthOptions {
  auth: WebhookAuthConfig;
  box: SecretBox;
  /** Reads a tenant and its active credentials; undefined when no such tenant. */
  load: (tenantId: string) => Promise<TenantCredentials | undefined>;
  /** How long a tenant's verifier is reused: the longest a revocation or a disable takes to apply. */
  cacheMs: number;
  now?: () => number;
  log?: TenantAuthLog;
}

const quietLog: TenantAuthLog = { loaded: () => {}, unusable: () => {}, unavailable: () => {} };

/**
 * Authenticates a webhook for a tenant named in its URL, with that tenant's active credentials.
 * Verifiers are cached for `cacheMs` (a revoked credential, disabled tenant or new credential
 * takes effect within that time on every api process); when the database cannot be read, the
 * last verifier keeps being used, and without one the answer is 503 (the default tenant still
 * accepts its environment secrets, so a single-organisation install works without Postgres).
 */
export class TenantWebhookAuth {
  private readonly cache: TtlCache<Entry>;
  private readonly envVerifier: WebhookVerifier;
  private readonly now: () => number;
  private readonly log: TenantAuthLog;

  constructor(private readonly options: TenantWebhookAuthOptions) {
    this.now = options.now ?? Date.now;
    this.cache = new TtlCache<Entry>(options.cacheMs, this.now);
    this.envVerifier = new WebhookVerifier(options.auth, this.now);
    this.log = options.log ?? quietLog;
  }

  async verify(tenantId: string, input: VerifyInput): Promise<TenantWebhookOutcome> {
    // Not a possible id: answered without a lookup (and without caching attacker-chosen keys).
    if (!TENANT_ID_PATTERN.test(tenantId))
      return { ok: false, status: 404, reason: 'no such tenant' };
    let entry: Entry;
    try {
      const cached = await this.cache.get(tenantId, () => this.loadEntry(tenantId));
      if (cached.stale) this.log.unavailable(tenantId, cached.error, true);
      entry = cached.value;
    } catch (error) {
      this.log.unavailable(tenantId, error, false);
      return this.withoutDatabase(tenantId, input);
    }
    if (entry.kind === 'unknown') return unknownTenant(tenantId);
    if (entry.kind === 'disabled') {
      return { ok: false, status: 403, reason: `tenant "${tenantId}" is disabled` };
    }
    const degraded = entry.unusable.length > 0;
    if (!entry.verifier.enabled) {
      // Like today's single-tenant install without secrets (refused at boot in production).
      if (tenantId === DEFAULT_TENANT_ID && !degraded) return { ok: true, tenantId, mode: 'none' };
      if (degraded) return credentialsUnusable(tenantId);
      return {
        ok: false,
        status: 401,
        reason: `tenant "${tenantId}" has no active webhook credential`,
      };
    }
    const result = entry.verifier.verify(input);
    if (result.ok) return { ok: true, tenantId, mode: result.mode };
    // The request may have used the credential we could not read: let the sender retry.
    if (degraded) return credentialsUnusable(tenantId);
    return { ok: false, status: 401, reason: result.reason, mode: result.mode };
  }

  /** Forgets every cached verifier. */
  invalidate(): void {
    this.cache.clear();
  }

  private async loadEntry(tenantId: string): Promise<Entry> {
    const record = await this.options.load(tenantId);
    if (record === undefined) return { kind: 'unknown' };
    if (record.tenant.disabledAt !== null) return { kind: 'disabled' };
    const built = buildTenantVerifier(this.options.auth, record, this.options.box, this.now);
    const credentialIds = record.credentials.map((c) => c.id);
    this.log.loaded(tenantId, credentialIds);
    for (const u of built.unusable) this.log.unusable(tenantId, u.id, u.reason);
    return { kind: 'ready', credentialIds, ...built };
  }

  private withoutDatabase(tenantId: string, input: VerifyInput): TenantWebhookOutcome {
    if (tenantId === DEFAULT_TENANT_ID && this.envVerifier.enabled) {
      const result = this.envVerifier.verify(input);
      if (result.ok) return { ok: true, tenantId, mode: result.mode };
    }
    return {
      ok: false,
      status: 503,
      reason: `the webhook credentials of tenant "${tenantId}" cannot be read right now; retry later`,
    };
  }
}

function unknownTenant(tenantId: string): TenantWebhookOutcome {
  return { ok: false, status: 404, reason: `no tenant "${tenantId}"` };
}

function credentialsUnusable(tenantId: string): TenantWebhookOutcome {
  return {
    ok: false,
    status: 503,
    reason: `some webhook credentials of tenant "${tenantId}" cannot be used (see the api log); retry later`,
  };
}
