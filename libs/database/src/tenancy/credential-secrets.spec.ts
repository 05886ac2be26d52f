import {
  TENANT_ID_PATTERN,
  generateReadToken,
  generateWebhookSecret,
  hashSecret,
  readTokenId,
  sameDigest,
} from './credential-secrets';

describe('credential secrets', () => {
  it('makes read tokens with a recognisable prefix, an id part and 256 random bits', () => {
    const a = generateReadToken();
    const b = generateReadToken();
    expect(a.token).toMatch(/^vhr_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(a.token.startsWith(`vhr_${a.id}_`)).toBe(true);
    expect(a.id).not.toBe(b.id);
    expect(a.hash).toEqual(hashSecret(a.token));
    expect(readTokenId(a.token)).toBe(a.id);
  });

  it('finds no id in strings that are not read tokens', () => {
    const { token } = generateReadToken();
    for (const bad of [
      '',
      'vhr_',
      token.slice(0, -1),
      `${token}x`,
      token.replace('vhr_', 'vhx_'),
      `Bearer ${token}`,
    ]) {
      expect(readTokenId(bad)).toBeUndefined();
    }
  });

  it('generates distinct prefixed webhook secrets', () => {
    const a = generateWebhookSecret();
    expect(a).toMatch(/^vhw_[A-Za-z0-9_-]{43}$/);
    expect(generateWebhookSecret()).not.toBe(a);
  });

  it('compares digests in full, unequal lengths unequal', () => {
    expect(sameDigest(hashSecret('a'), hashSecret('a'))).toBe(true);
    expect(sameDigest(hashSecret('a'), hashSecret('b'))).toBe(false);
    expect(sameDigest(hashSecret('a'), hashSecret('a').subarray(0, 31))).toBe(false);
  });

  it.each([
    ['acme', true],
    ['default', true],
    ['a', true],
    ['0-staging', true],
    ['a'.repeat(63), true],
    ['a'.repeat(64), false],
    ['Acme', false],
    ['-acme', false],
    ['acme_corp', false],
    ['', false],
    ['acme/x', false],
  ])('tenant id %j valid: %s', (id, valid) => {
    expect(TENANT_ID_PATTERN.test(id)).toBe(valid);
  });
});
