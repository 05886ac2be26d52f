import {
  DEFAULT_TENANT_ID,
  MAX_ACTIVE_CREDENTIALS_PER_KIND,
  type ReadToken,
  ReadTokensRepository,
  SecretBox,
  TENANT_ID_PATTERN,
  type Tenant,
  type TenantSummary,
  TenantsRepository,
  type WebhookCredential,
  type WebhookCredentialKind,
  WebhookCredentialsRepository,
  generateReadToken,
  generateWebhookSecret,
  hashSecret,
  newCredentialId,
  webhookCredentialContext,
} from '@app/database';

/** A request the registry refuses as it stands; the message says what to do instead. */
export class RefusedError extends Error {}

/** Shortest secret accepted from the operator (generated ones are 256 bits). */
export const MIN_SECRET_LENGTH = 16;

/** A credential just stored, with its secret (shown once, never stored in the clear). */
export interface IssuedCredential {
  credential: WebhookCredential;
  secret: string;
  /** The tenant's active credentials of this kind, the new one included. */
  active: WebhookCredential[];
}

/** What the tenancy commands do, against the database; every refusal is a `RefusedError`. */
export class TenancyAdmin {
  constructor(
    private readonly tenants: TenantsRepository,
    private readonly credentials: WebhookCredentialsRepository,
    private readonly tokens: ReadTokensRepository,
    private readonly box: SecretBox,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async addTenant(id: string, name?: string): Promise<Tenant> {
    if (!TENANT_ID_PATTERN.test(id)) {
      throw new RefusedError(
        `${JSON.stringify(id)} is not a valid tenant id: use 1 to 63 lowercase letters, digits and dashes, starting with a letter or digit`,
      );
    }
    const tenant = await this.tenants.create(id, name?.trim() || id);
    if (tenant === undefined) throw new RefusedError(`tenant "${id}" already exists`);
    return tenant;
  }

  listTenants(): Promise<TenantSummary[]> {
    return this.tenants.listWithActivity(this.now());
  }

  /** Disables a tenant; returns what it had active (now refused). */
  async disableTenant(
    id: string,
  ): Promise<{ tenant: Tenant; credentials: number; tokens: number }> {
    if (id === DEFAULT_TENANT_ID) {
      throw new RefusedError(
        'the default tenant cannot be disabled: its webhooks also authenticate with the VAPI_WEBHOOK_* variables; unset those and revoke its credentials instead',
      );
    }
    const tenant = await this.tenantNamed(id);
    if (tenant.disabledAt !== null) {
      throw new RefusedError(
        `tenant "${id}" is already disabled (since ${iso(tenant.disabledAt)})`,
      );
    }
    const disabled = await this.tenants.setDisabled(id, this.now());
    const credentials = await this.credentials.listOf(id);
    const tokens = (await this.tokens.list({ tenantId: id })).filter((t) => this.usable(t));
    return { tenant: disabled ?? tenant, credentials: credentials.length, tokens: tokens.length };
  }

  async enableTenant(id: string): Promise<Tenant> {
    const tenant = await this.tenantNamed(id);
    if (tenant.disabledAt === null) throw new RefusedError(`tenant "${id}" is not disabled`);
    return (await this.tenants.setDisabled(id, null)) ?? tenant;
  }

  /** Stores a new active credential (a generated secret unless one is given). */
  async addCredential(request: {
    tenantId: string;
    kind: WebhookCredentialKind;
    label?: string;
    secret?: string;
  }): Promise<IssuedCredential> {
    await this.enabledTenant(request.tenantId);
    const secret = this.secretFor(request.kind, request.secret);
    const id = newCredentialId();
    const material =
      request.kind === 'hmac'
        ? (() => {
            const sealed = this.box.seal(
              Buffer.from(secret, 'utf8'),
              webhookCredentialContext(id, request.tenantId),
            );
            return { secretHash: null, sealedSecret: sealed.sealed, keyId: sealed.keyId };
          })()
        : { secretHash: hashSecret(secret), sealedSecret: null, keyId: null };
    const stored = await this.credentials.addActive({
      id,
      tenantId: request.tenantId,
      kind: request.kind,
      label: request.label?.trim() || null,
      ...material,
    });
    if ('refused' in stored) {
      if (stored.refused === 'no-tenant') throw new RefusedError(`no tenant "${request.tenantId}"`);
      throw new RefusedError(
        `tenant "${request.tenantId}" already has ${stored.active.length} active ${request.kind} credentials (${stored.active.map((c) => c.id).join(', ')}), the most a rotation needs: revoke one first with \`credentials revoke --tenant ${request.tenantId} --id <id>\``,
      );
    }
    const active = await this.credentials.listActive(request.tenantId, request.kind);
    return { credential: stored, secret, active };
  }

  /**
   * Starts a rotation: adds a credential of a kind that has exactly one active, which stays
   * active until revoked. Returns the new credential and the one it replaces.
   */
  async rotateCredential(request: {
    tenantId: string;
    kind?: WebhookCredentialKind;
    label?: string;
    secret?: string;
  }): Promise<IssuedCredential & { previous: WebhookCredential }> {
    await this.enabledTenant(request.tenantId);
    const all = await this.credentials.listOf(request.tenantId);
    let kind = request.kind;
    if (kind === undefined) {
      const kinds = [...new Set(all.map((c) => c.kind))];
      if (kinds.length === 0) {
        throw new RefusedError(
          `tenant "${request.tenantId}" has no active webhook credential to rotate: add one with \`credentials add --tenant ${request.tenantId} --kind <kind>\``,
        );
      }
      if (kinds.length > 1) {
        throw new RefusedError(
          `tenant "${request.tenantId}" has active credentials of several kinds (${kinds.join(', ')}): name the one to rotate with --kind`,
        );
      }
      kind = kinds[0];
    }
    const active = all.filter((c) => c.kind === kind);
    if (active.length === 0) {
      throw new RefusedError(
        `tenant "${request.tenantId}" has no active ${kind} credential to rotate: add one with \`credentials add --tenant ${request.tenantId} --kind ${kind}\``,
      );
    }
    if (active.length >= MAX_ACTIVE_CREDENTIALS_PER_KIND) {
      throw new RefusedError(
        `a rotation is already under way: tenant "${request.tenantId}" has ${active.length} active ${kind} credentials (${active.map((c) => c.id).join(', ')}); finish it by revoking the old one with \`credentials revoke --tenant ${request.tenantId} --id <id>\``,
      );
    }
    const issued = await this.addCredential({ ...request, kind });
    return { ...issued, previous: active[0] };
  }

  /** Revokes one named credential of a tenant. */
  async revokeCredential(request: {
    tenantId: string;
    id?: string;
  }): Promise<{ credential: WebhookCredential; remaining: WebhookCredential[] }> {
    await this.tenantNamed(request.tenantId);
    const active = await this.credentials.listOf(request.tenantId);
    if (request.id === undefined) {
      const listed =
        active.length === 0
          ? 'it has none active'
          : `active: ${active.map(describeCredential).join('; ')}`;
      throw new RefusedError(
        `name the credential to revoke with --id (tenant "${request.tenantId}": ${listed})`,
      );
    }
    const found = await this.credentials.findById(request.id);
    if (found === null || found.tenantId !== request.tenantId) {
      throw new RefusedError(`tenant "${request.tenantId}" has no credential ${request.id}`);
    }
    if (found.revokedAt !== null) {
      throw new RefusedError(
        `credential ${found.id} was already revoked at ${iso(found.revokedAt)}`,
      );
    }
    const revoked = await this.credentials.revoke(found.id, this.now());
    if (revoked === undefined) throw new RefusedError(`credential ${found.id} was just revoked`);
    return { credential: revoked, remaining: await this.credentials.listOf(request.tenantId) };
  }

  async listCredentials(tenantId: string, includeRevoked: boolean): Promise<WebhookCredential[]> {
    await this.tenantNamed(tenantId);
    return this.credentials.listOf(tenantId, includeRevoked);
  }

  /** Creates a read token for one tenant (`tenantId`) or every tenant (`null`). */
  async createToken(request: {
    tenantId: string | null;
    label?: string;
    expiresAt?: Date;
  }): Promise<{ record: ReadToken; token: string }> {
    if (request.tenantId !== null) await this.enabledTenant(request.tenantId);
    if (request.expiresAt !== undefined && request.expiresAt <= this.now()) {
      throw new RefusedError(`--expires ${iso(request.expiresAt)} is in the past`);
    }
    const { id, token, hash } = generateReadToken();
    const record = await this.tokens.insert({
      id,
      tenantId: request.tenantId,
      label: request.label?.trim() || null,
      tokenHash: hash,
      expiresAt: request.expiresAt ?? null,
    });
    return { record, token };
  }

  async listTokens(filter: {
    tenantId?: string | null;
    includeRevoked: boolean;
  }): Promise<ReadToken[]> {
    if (typeof filter.tenantId === 'string') await this.tenantNamed(filter.tenantId);
    return this.tokens.list(filter);
  }

  /** Revokes one named token; `tenantId`, when given, must be the token's scope. */
  async revokeToken(request: { id?: string; tenantId?: string | null }): Promise<ReadToken> {
    if (request.id === undefined) {
      throw new RefusedError('name the token to revoke with --id (see `tokens list`)');
    }
    const token = await this.tokens.findById(request.id);
    if (token === null) throw new RefusedError(`no read token ${request.id}`);
    if (request.tenantId !== undefined && token.tenantId !== request.tenantId) {
      throw new RefusedError(
        `read token ${token.id} is for ${scopeOf(token.tenantId)}, not for ${scopeOf(request.tenantId)}`,
      );
    }
    if (token.revokedAt !== null) {
      throw new RefusedError(
        `read token ${token.id} was already revoked at ${iso(token.revokedAt)}`,
      );
    }
    const revoked = await this.tokens.revoke(token.id, this.now());
    if (revoked === undefined) throw new RefusedError(`read token ${token.id} was just revoked`);
    return revoked;
  }

  /** True when a token can still be used (not revoked, not expired). */
  usable(token: ReadToken): boolean {
    const now = this.now();
    return token.revokedAt === null && (token.expiresAt === null || token.expiresAt > now);
  }

  private secretFor(kind: WebhookCredentialKind, given: string | undefined): string {
    if (kind === 'hmac' && !this.box.canSeal) {
      throw new RefusedError(
        'SECRETS_KEY is not set: HMAC credentials are stored encrypted with it. Set it to 32 random bytes in hex or base64 (e.g. `openssl rand -base64 32`), here and for every api process, then retry',
      );
    }
    if (given === undefined) return generateWebhookSecret();
    if (given.length < MIN_SECRET_LENGTH) {
      throw new RefusedError(
        `the secret read from stdin is ${given.length} characters long; use at least ${MIN_SECRET_LENGTH} random characters (or omit --secret-stdin to have one generated)`,
      );
    }
    return given;
  }

  private async tenantNamed(id: string): Promise<Tenant> {
    const tenant = TENANT_ID_PATTERN.test(id) ? await this.tenants.findById(id) : null;
    if (tenant === null) throw new RefusedError(`no tenant "${id}" (see \`tenants list\`)`);
    return tenant;
  }

  private async enabledTenant(id: string): Promise<Tenant> {
    const tenant = await this.tenantNamed(id);
    if (tenant.disabledAt !== null) {
      throw new RefusedError(
        `tenant "${id}" is disabled (since ${iso(tenant.disabledAt)}); enable it first with \`tenants enable ${id}\``,
      );
    }
    return tenant;
  }
}

/** A credential in one line, without its secret. */
export function describeCredential(c: WebhookCredential): string {
  return `${c.id} ${c.kind}${c.label === null ? '' : ` "${c.label}"`} created ${iso(c.createdAt)}`;
}

/** Whose a read token is, in words. */
export function scopeOf(tenantId: string | null): string {
  return tenantId === null ? 'every tenant (operator)' : `tenant "${tenantId}"`;
}

export const iso = (date: Date): string => date.toISOString();
