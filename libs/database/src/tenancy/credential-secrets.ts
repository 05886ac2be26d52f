import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** The tenant every install has: `/api/webhook/vapi` and today's webhook env variables. */
export const DEFAULT_TENANT_ID = 'default';

/** What a tenant id (its slug in URLs) may look like. PERSISTENT: also a CHECK in the schema. */
export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** The webhook credential schemes a tenant can hold (PROTOCOL.md §7). PERSISTENT (stored as text). */
export const WEBHOOK_CREDENTIAL_KINDS = ['legacy-secret', 'bearer', 'hmac'] as const;

/** One of `WEBHOOK_CREDENTIAL_KINDS`. */
export type WebhookCredentialKind = (typeof WEBHOOK_CREDENTIAL_KINDS)[number];

/** Active credentials of one kind a tenant may hold at once: the old and the new during a rotation. */
export const MAX_ACTIVE_CREDENTIALS_PER_KIND = 2;

/**
 * The stored form of a secret checked by comparison: SHA-256 of its UTF-8 bytes. The webhook
 * verifier and the read-token check compute the same digest of what they receive.
 */
export function hashSecret(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Constant-time equality of two digests (unequal lengths are simply unequal). */
export function sameDigest(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A random id for a stored credential or token: 12 hex characters, not secret. */
export function newCredentialId(): string {
  return randomBytes(6).toString('hex');
}

/**
 * What a sealed HMAC key is bound to (`SecretBox` context): its row and tenant, so a sealed value
 * copied to another credential or tenant does not open.
 */
export function webhookCredentialContext(id: string, tenantId: string): string {
  return `webhook-credential:${id}:${tenantId}`;
}

/** Prefix of generated webhook secrets, so a leaked one is recognisable (secret scanners). */
export const WEBHOOK_SECRET_PREFIX = 'vhw_';

/** A new webhook secret (legacy secret, bearer token or HMAC key): 256 random bits. */
export function generateWebhookSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** Prefix of read-API tokens. PERSISTENT: tokens already handed out carry it. */
export const READ_TOKEN_PREFIX = 'vhr_';

const READ_TOKEN = /^vhr_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

/** A new read-API token: `vhr_<id>_<secret>`; only `hash` is stored, the token is shown once. */
export function generateReadToken(): { id: string; token: string; hash: Buffer } {
  const id = newCredentialId();
  const token = `${READ_TOKEN_PREFIX}${id}_${randomBytes(32).toString('base64url')}`;
  return { id, token, hash: hashSecret(token) };
}

/** The id part of a read-API token, or undefined when it does not have the token's shape. */
export function readTokenId(token: string): string | undefined {
  return READ_TOKEN.exec(token)?.[1];
}
