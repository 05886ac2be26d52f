import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** Layout version of a sealed secret: [version][iv 12][tag 16][ciphertext]. PERSISTENT. */
const FORMAT_V1 = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;

/** Thrown when a secret cannot be sealed or opened; the message names no secret material. */
export class SecretsKeyError extends Error {}

/** What `SecretBox.seal` stores: which key sealed it, and the sealed bytes. */
export interface SealedSecret {
  keyId: string;
  sealed: Buffer;
}

/**
 * Encrypts secrets that must be recoverable (HMAC keys) with AES-256-GCM under `SECRETS_KEY`.
 * Every sealed value records the id of its key (a fingerprint, not the key), so a key can
 * rotate: configure the new key first and the old ones after it; the first seals, all open.
 * The caller's `context` (the row's identity) is authenticated with it, so a sealed value
 * copied into another row fails to open just as an altered one does.
 */
export class SecretBox {
  private readonly keys: Map<string, Buffer>;
  private readonly current?: { id: string; key: Buffer };

  constructor(keys: readonly Buffer[]) {
    for (const key of keys) {
      if (key.length !== 32) throw new SecretsKeyError('a SECRETS_KEY key must be 32 bytes');
    }
    this.keys = new Map(keys.map((key) => [SecretBox.keyId(key), key]));
    if (keys.length > 0) this.current = { id: SecretBox.keyId(keys[0]), key: keys[0] };
  }

  /** A short public fingerprint of a key, stored next to what it sealed. */
  static keyId(key: Buffer): string {
    return createHash('sha256')
      .update('vapi-hooks/secrets-key-id\0')
      .update(key)
      .digest('hex')
      .slice(0, 16);
  }

  /** True when a key is configured, i.e. `seal` can work. */
  get canSeal(): boolean {
    return this.current !== undefined;
  }

  /** The ids of the configured keys, first (sealing) key first. */
  get keyIds(): string[] {
    return [...this.keys.keys()];
  }

  seal(plaintext: Buffer, context: string): SealedSecret {
    if (this.current === undefined) {
      throw new SecretsKeyError(
        'SECRETS_KEY is not set: HMAC credentials are stored encrypted with it. Set it to 32 random bytes in hex or base64 (e.g. `openssl rand -base64 32`) for the CLI and every api process.',
      );
    }
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return {
      keyId: this.current.id,
      sealed: Buffer.concat([Buffer.of(FORMAT_V1), iv, cipher.getAuthTag(), ciphertext]),
    };
  }

  open(secret: SealedSecret, context: string): Buffer {
    const key = this.keys.get(secret.keyId);
    if (key === undefined) {
      const configured =
        this.keyIds.length > 0 ? this.keyIds.join(', ') : 'none (SECRETS_KEY is not set)';
      throw new SecretsKeyError(
        `sealed with key ${secret.keyId}, which SECRETS_KEY does not hold (configured keys: ${configured})`,
      );
    }
    const { sealed } = secret;
    if (sealed.length < HEADER_BYTES || sealed[0] !== FORMAT_V1) {
      throw new SecretsKeyError('sealed secret has an unknown format');
    }
    const iv = sealed.subarray(1, 1 + IV_BYTES);
    const tag = sealed.subarray(1 + IV_BYTES, HEADER_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(sealed.subarray(HEADER_BYTES)), decipher.final()]);
    } catch {
      throw new SecretsKeyError(
        'sealed secret failed authentication (altered, or moved from another row)',
      );
    }
  }
}
