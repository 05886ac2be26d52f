import { randomBytes } from 'node:crypto';
import { SecretBox, SecretsKeyError } from './secret-box';

const KEY = randomBytes(32);
const NEXT_KEY = randomBytes(32);
const SECRET = Buffer.from('vhw_hmac-secret-that-must-come-back', 'utf8');
const CONTEXT = 'webhook-credential:abc123def456:acme';

describe(SecretBox.name, () => {
  it('opens what it sealed, and seals the same secret differently every time', () => {
    const box = new SecretBox([KEY]);
    const a = box.seal(SECRET, CONTEXT);
    const b = box.seal(SECRET, CONTEXT);
    expect(box.open(a, CONTEXT)).toEqual(SECRET);
    expect(box.open(b, CONTEXT)).toEqual(SECRET);
    expect(a.sealed.equals(b.sealed)).toBe(false);
    expect(a.sealed.includes(SECRET)).toBe(false);
    expect(a.keyId).toBe(SecretBox.keyId(KEY));
    expect(a.keyId).not.toContain(KEY.toString('hex').slice(0, 8));
  });

  it('detects any altered byte: version, iv, tag or ciphertext', () => {
    const box = new SecretBox([KEY]);
    const sealed = box.seal(SECRET, CONTEXT);
    for (let i = 0; i < sealed.sealed.length; i += 1) {
      const altered = Buffer.from(sealed.sealed);
      altered[i] ^= 0x01;
      expect(() => box.open({ ...sealed, sealed: altered }, CONTEXT)).toThrow(SecretsKeyError);
    }
    expect(() => box.open({ ...sealed, sealed: sealed.sealed.subarray(0, 20) }, CONTEXT)).toThrow(
      /unknown format/,
    );
  });

  it('refuses a sealed secret moved to another row or tenant', () => {
    const box = new SecretBox([KEY]);
    const sealed = box.seal(SECRET, CONTEXT);
    expect(() => box.open(sealed, 'webhook-credential:abc123def456:other')).toThrow(
      /failed authentication/,
    );
  });

  it('rotates keys: the first key seals, every configured key opens', () => {
    const old = new SecretBox([KEY]).seal(SECRET, CONTEXT);
    const rotated = new SecretBox([NEXT_KEY, KEY]);
    expect(rotated.open(old, CONTEXT)).toEqual(SECRET);
    const fresh = rotated.seal(SECRET, CONTEXT);
    expect(fresh.keyId).toBe(SecretBox.keyId(NEXT_KEY));
    expect(rotated.keyIds).toEqual([SecretBox.keyId(NEXT_KEY), SecretBox.keyId(KEY)]);
  });

  it('names the missing key by id when SECRETS_KEY no longer holds it', () => {
    const sealed = new SecretBox([KEY]).seal(SECRET, CONTEXT);
    expect(() => new SecretBox([NEXT_KEY]).open(sealed, CONTEXT)).toThrow(
      new RegExp(`key ${sealed.keyId}, which SECRETS_KEY does not hold`),
    );
    expect(() => new SecretBox([]).open(sealed, CONTEXT)).toThrow(/SECRETS_KEY is not set/);
  });

  it('refuses to seal without a key, saying what to set', () => {
    const box = new SecretBox([]);
    expect(box.canSeal).toBe(false);
    expect(() => box.seal(SECRET, CONTEXT)).toThrow(/SECRETS_KEY is not set.*32 random bytes/);
  });

  it('refuses keys that are not 32 bytes', () => {
    expect(() => new SecretBox([randomBytes(16)])).toThrow(SecretsKeyError);
  });
});
