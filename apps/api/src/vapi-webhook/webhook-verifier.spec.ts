import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HmacAuthConfig, WebhookAuthConfig } from '@app/config';
import { VerifyResult, WebhookVerifier } from './webhook-verifier';

interface HmacVector {
  secret: string;
  headers: { 'x-timestamp': string; 'x-signature': string };
  bodyFile: string;
  bodyBytes: number;
  variants: Record<string, string>;
}

const fixtures = join(__dirname, '../../../../test/fixtures/vapi');
const vector = JSON.parse(readFileSync(join(fixtures, 'hmac-vector.json'), 'utf8')) as HmacVector;
const body = readFileSync(join(fixtures, vector.bodyFile));
const vectorTs = Number(vector.headers['x-timestamp']);
const variant = (prefix: string): string => {
  const key = Object.keys(vector.variants).find((k) => k.startsWith(prefix));
  if (key === undefined) throw new Error(`no variant starting with ${prefix}`);
  return vector.variants[key];
};

const LEGACY = 'legacy-secret-5d1e';
const LEGACY_NEXT = 'legacy-secret-rotated-9a0c';
const TOKEN = 'bearer-token-7f3b';

const hmacDefaults = (overrides: Partial<HmacAuthConfig> = {}): HmacAuthConfig => ({
  secrets: [],
  algorithm: 'sha256',
  encoding: 'hex',
  signatureHeader: 'x-signature',
  timestampHeader: 'x-timestamp',
  signaturePrefix: '',
  payloadFormat: '{timestamp}.{body}',
  includeTimestamp: true,
  toleranceSeconds: 300,
  ...overrides,
});

const config = (
  overrides: {
    legacySecrets?: string[];
    bearer?: Partial<WebhookAuthConfig['bearer']>;
    hmac?: Partial<HmacAuthConfig>;
  } = {},
): WebhookAuthConfig => ({
  legacySecrets: overrides.legacySecrets ?? [],
  bearer: { tokens: [], header: 'authorization', prefixEnabled: true, ...overrides.bearer },
  hmac: hmacDefaults(overrides.hmac),
});

const hmacConfig = (hmac: Partial<HmacAuthConfig> = {}): WebhookAuthConfig =>
  config({ hmac: { secrets: [Buffer.from(vector.secret, 'utf8')], ...hmac } });

/** A clock `offsetSeconds` after the vector's timestamp, in ms like Date.now. */
const clock =
  (offsetSeconds = 1) =>
  () =>
    (vectorTs + offsetSeconds) * 1000;

const signed = (headers: Record<string, string | string[]>, rawBody: Buffer = body) => ({
  rawBody,
  headers,
  method: 'POST',
  url: '/webhook',
});

const vectorRequest = (signature = vector.headers['x-signature']) =>
  signed({ 'x-timestamp': vector.headers['x-timestamp'], 'x-signature': signature });

const sign = (secret: string, payload: Buffer): string =>
  createHmac('sha256', secret).update(payload).digest('hex');

const signAt = (timestamp: string, secret = vector.secret): string =>
  sign(secret, Buffer.concat([Buffer.from(`${timestamp}.`), body]));

const failure = (result: VerifyResult): string => {
  if (result.ok) throw new Error(`expected a failure, got ok via ${result.mode}`);
  return result.reason;
};

describe(WebhookVerifier.name, () => {
  describe('HMAC', () => {
    it('verifies the fixture test vector over the exact body bytes', () => {
      expect(body.length).toBe(vector.bodyBytes);
      const verifier = new WebhookVerifier(hmacConfig(), clock());
      expect(verifier.verify(vectorRequest())).toEqual({ ok: true, mode: 'hmac' });
    });

    it('verifies the base64 variant', () => {
      const verifier = new WebhookVerifier(hmacConfig({ encoding: 'base64' }), clock());
      expect(verifier.verify(vectorRequest(variant('sha256, base64')))).toEqual({
        ok: true,
        mode: 'hmac',
      });
    });

    it('verifies the body-only variant without a timestamp header', () => {
      const verifier = new WebhookVerifier(
        hmacConfig({ includeTimestamp: false, payloadFormat: '{body}' }),
        clock(100_000),
      );
      const request = signed({ 'x-signature': variant('sha256, hex, includeTimestamp=false') });
      expect(verifier.verify(request)).toEqual({ ok: true, mode: 'hmac' });
    });

    it('verifies the sha256= prefixed variant', () => {
      const verifier = new WebhookVerifier(hmacConfig({ signaturePrefix: 'sha256=' }), clock());
      expect(verifier.verify(vectorRequest(variant('sha256, hex, signaturePrefix')))).toEqual({
        ok: true,
        mode: 'hmac',
      });
    });

    it('rejects the unprefixed signature when a prefix is configured', () => {
      const verifier = new WebhookVerifier(hmacConfig({ signaturePrefix: 'sha256=' }), clock());
      expect(failure(verifier.verify(vectorRequest()))).toBe('invalid signature');
    });

    it('verifies the sha512 variant', () => {
      const verifier = new WebhookVerifier(hmacConfig({ algorithm: 'sha512' }), clock());
      expect(verifier.verify(vectorRequest(variant('sha512')))).toEqual({
        ok: true,
        mode: 'hmac',
      });
    });

    it('accepts an upper-case hex signature', () => {
      const verifier = new WebhookVerifier(hmacConfig(), clock());
      const upper = vector.headers['x-signature'].toUpperCase();
      expect(verifier.verify(vectorRequest(upper)).ok).toBe(true);
    });

    it('fails when one byte of the body changes', () => {
      const tampered = Buffer.from(body);
      tampered[100] ^= 0x01;
      const verifier = new WebhookVerifier(hmacConfig(), clock());
      const request = signed(
        {
          'x-timestamp': vector.headers['x-timestamp'],
          'x-signature': vector.headers['x-signature'],
        },
        tampered,
      );
      expect(verifier.verify(request)).toEqual({
        ok: false,
        reason: 'invalid signature',
        mode: 'hmac',
      });
    });

    it('fails when the body gains a trailing newline', () => {
      const verifier = new WebhookVerifier(hmacConfig(), clock());
      const request = signed(
        {
          'x-timestamp': vector.headers['x-timestamp'],
          'x-signature': vector.headers['x-signature'],
        },
        Buffer.concat([body, Buffer.from('\n')]),
      );
      expect(failure(verifier.verify(request))).toBe('invalid signature');
    });

    it('fails with the wrong secret', () => {
      const verifier = new WebhookVerifier(
        config({ hmac: { secrets: [Buffer.from('some-other-secret')] } }),
        clock(),
      );
      expect(failure(verifier.verify(vectorRequest()))).toBe('invalid signature');
    });

    it('fails without throwing on a signature of the wrong length', () => {
      const verifier = new WebhookVerifier(hmacConfig(), clock());
      expect(failure(verifier.verify(vectorRequest('abc')))).toBe('invalid signature');
    });

    it('fails when the signed timestamp is swapped for another', () => {
      const verifier = new WebhookVerifier(hmacConfig(), clock());
      const request = signed({
        'x-timestamp': String(vectorTs + 1),
        'x-signature': vector.headers['x-signature'],
      });
      expect(failure(verifier.verify(request))).toBe('invalid signature');
    });

    it('accepts a signature from either secret during a rotation', () => {
      const verifier = new WebhookVerifier(
        config({ hmac: { secrets: [Buffer.from('next-secret'), Buffer.from(vector.secret)] } }),
        clock(),
      );
      expect(verifier.verify(vectorRequest()).ok).toBe(true);
      const withNext = signAt(vector.headers['x-timestamp'], 'next-secret');
      expect(verifier.verify(vectorRequest(withNext)).ok).toBe(true);
      const withOther = signAt(vector.headers['x-timestamp'], 'retired-secret');
      expect(failure(verifier.verify(vectorRequest(withOther)))).toBe('invalid signature');
    });

    it('substitutes {method} and {url} into the signed payload', () => {
      const verifier = new WebhookVerifier(
        hmacConfig({ payloadFormat: '{method} {url}\n{timestamp}.{body}' }),
        clock(),
      );
      const payload = Buffer.concat([
        Buffer.from(`POST /webhook\n${vector.headers['x-timestamp']}.`),
        body,
      ]);
      const signature = sign(vector.secret, payload);
      expect(verifier.verify(vectorRequest(signature)).ok).toBe(true);
      expect(failure(verifier.verify({ ...vectorRequest(signature), url: '/other' }))).toBe(
        'invalid signature',
      );
    });

    it('signs non-ASCII body bytes exactly as received', () => {
      // Latin-1 bytes that are not valid UTF-8: a string round trip would corrupt them.
      const raw = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe9, 0xff, 0x22, 0x7d]);
      const timestamp = vector.headers['x-timestamp'];
      const signature = sign(vector.secret, Buffer.concat([Buffer.from(`${timestamp}.`), raw]));
      const verifier = new WebhookVerifier(hmacConfig(), clock());
      const request = signed({ 'x-timestamp': timestamp, 'x-signature': signature }, raw);
      expect(verifier.verify(request).ok).toBe(true);
    });

    describe('replay window', () => {
      const verifier = (offsetSeconds: number) =>
        new WebhookVerifier(hmacConfig(), clock(offsetSeconds));

      it('accepts a timestamp 299 s old', () => {
        expect(verifier(299).verify(vectorRequest()).ok).toBe(true);
      });

      it('accepts a timestamp exactly at the 300 s edge', () => {
        expect(verifier(300).verify(vectorRequest()).ok).toBe(true);
      });

      it('rejects a timestamp 301 s old', () => {
        expect(verifier(301).verify(vectorRequest())).toEqual({
          ok: false,
          reason: 'timestamp outside the 300 s window',
          mode: 'hmac',
        });
      });

      it('rejects a timestamp 301 s in the future', () => {
        expect(failure(verifier(-301).verify(vectorRequest()))).toBe(
          'timestamp outside the 300 s window',
        );
      });

      it('accepts a timestamp 299 s in the future', () => {
        expect(verifier(-299).verify(vectorRequest()).ok).toBe(true);
      });

      it('uses the configured tolerance', () => {
        const strict = new WebhookVerifier(hmacConfig({ toleranceSeconds: 10 }), clock(11));
        expect(failure(strict.verify(vectorRequest()))).toBe('timestamp outside the 10 s window');
        const lenient = new WebhookVerifier(hmacConfig({ toleranceSeconds: 10 }), clock(9));
        expect(lenient.verify(vectorRequest()).ok).toBe(true);
      });

      it('treats timestamps above 1e12 as milliseconds', () => {
        const ms = String(vectorTs * 1000 + 500);
        const request = signed({ 'x-timestamp': ms, 'x-signature': signAt(ms) });
        expect(verifier(299).verify(request).ok).toBe(true);
        expect(failure(verifier(301).verify(request))).toBe('timestamp outside the 300 s window');
      });

      it('rejects a non-numeric timestamp even when it was signed', () => {
        const request = signed({ 'x-timestamp': 'yesterday', 'x-signature': signAt('yesterday') });
        expect(failure(verifier(1).verify(request))).toBe('invalid timestamp');
      });

      it('rejects a missing timestamp when includeTimestamp is on', () => {
        const request = signed({ 'x-signature': vector.headers['x-signature'] });
        expect(verifier(1).verify(request)).toEqual({
          ok: false,
          reason: 'missing x-timestamp header',
          mode: 'hmac',
        });
      });

      it('ignores the clock when includeTimestamp is off', () => {
        const bodyOnly = new WebhookVerifier(
          hmacConfig({ includeTimestamp: false, payloadFormat: '{body}' }),
          () => 0,
        );
        const request = signed({
          'x-timestamp': 'not-a-number',
          'x-signature': variant('sha256, hex, includeTimestamp=false'),
        });
        expect(bodyOnly.verify(request).ok).toBe(true);
      });
    });

    it('reports a missing signature header', () => {
      const verifier = new WebhookVerifier(hmacConfig(), clock());
      expect(verifier.verify(signed({ 'x-timestamp': vector.headers['x-timestamp'] }))).toEqual({
        ok: false,
        reason: 'missing x-signature header',
        mode: 'hmac',
      });
    });

    it('reads custom header names', () => {
      const verifier = new WebhookVerifier(
        hmacConfig({ signatureHeader: 'x-vapi-signature', timestampHeader: 'x-vapi-timestamp' }),
        clock(),
      );
      const request = signed({
        'x-vapi-timestamp': vector.headers['x-timestamp'],
        'x-vapi-signature': vector.headers['x-signature'],
      });
      expect(verifier.verify(request).ok).toBe(true);
      expect(failure(verifier.verify(vectorRequest()))).toBe('missing x-vapi-signature header');
    });
  });

  describe('legacy secret', () => {
    const verifier = new WebhookVerifier(config({ legacySecrets: [LEGACY] }));

    it('accepts the shared secret in x-vapi-secret', () => {
      expect(verifier.verify(signed({ 'x-vapi-secret': LEGACY }))).toEqual({
        ok: true,
        mode: 'legacy-secret',
      });
    });

    it('rejects a wrong secret', () => {
      expect(verifier.verify(signed({ 'x-vapi-secret': 'legacy-secret-5d1' }))).toEqual({
        ok: false,
        reason: 'x-vapi-secret header does not match any configured secret',
        mode: 'legacy-secret',
      });
    });

    it('rejects a missing header', () => {
      expect(verifier.verify(signed({}))).toEqual({
        ok: false,
        reason: 'missing x-vapi-secret header',
        mode: 'legacy-secret',
      });
    });

    it('treats an empty header as missing', () => {
      expect(failure(verifier.verify(signed({ 'x-vapi-secret': '' })))).toBe(
        'missing x-vapi-secret header',
      );
    });

    it('accepts either secret during a rotation', () => {
      const rotating = new WebhookVerifier(config({ legacySecrets: [LEGACY, LEGACY_NEXT] }));
      expect(rotating.verify(signed({ 'x-vapi-secret': LEGACY })).ok).toBe(true);
      expect(rotating.verify(signed({ 'x-vapi-secret': LEGACY_NEXT })).ok).toBe(true);
      expect(rotating.verify(signed({ 'x-vapi-secret': 'retired' })).ok).toBe(false);
    });

    it('accepts the same plain value in x-vapi-signature', () => {
      expect(verifier.verify(signed({ 'x-vapi-signature': LEGACY }))).toEqual({
        ok: true,
        mode: 'legacy-secret',
      });
      expect(failure(verifier.verify(signed({ 'x-vapi-signature': 'nope' })))).toBe(
        'x-vapi-signature header does not match any configured secret',
      );
    });

    it('takes the first value of a repeated header', () => {
      expect(verifier.verify(signed({ 'x-vapi-secret': [LEGACY, 'other'] })).ok).toBe(true);
      expect(verifier.verify(signed({ 'x-vapi-secret': ['other', LEGACY] })).ok).toBe(false);
    });

    it('never lets an empty configured secret accept anything', () => {
      const empty = new WebhookVerifier(config({ legacySecrets: [''] }));
      expect(empty.enabled).toBe(false);
    });
  });

  describe('bearer', () => {
    it('accepts "Bearer <token>" in Authorization, case-insensitively', () => {
      const verifier = new WebhookVerifier(config({ bearer: { tokens: [TOKEN] } }));
      expect(verifier.verify(signed({ authorization: `Bearer ${TOKEN}` }))).toEqual({
        ok: true,
        mode: 'bearer',
      });
      expect(verifier.verify(signed({ authorization: `bearer ${TOKEN}` })).ok).toBe(true);
    });

    it('requires the Bearer scheme when the prefix is enabled', () => {
      const verifier = new WebhookVerifier(config({ bearer: { tokens: [TOKEN] } }));
      expect(verifier.verify(signed({ authorization: TOKEN }))).toEqual({
        ok: false,
        reason: 'authorization header does not use the Bearer scheme',
        mode: 'bearer',
      });
    });

    it('compares the raw value when the prefix is disabled', () => {
      const verifier = new WebhookVerifier(
        config({ bearer: { tokens: [TOKEN], prefixEnabled: false } }),
      );
      expect(verifier.verify(signed({ authorization: TOKEN })).ok).toBe(true);
      expect(verifier.verify(signed({ authorization: `Bearer ${TOKEN}` })).ok).toBe(false);
    });

    it('reads a custom header name', () => {
      const verifier = new WebhookVerifier(
        config({ bearer: { tokens: [TOKEN], header: 'x-api-key', prefixEnabled: false } }),
      );
      expect(verifier.verify(signed({ 'x-api-key': TOKEN }))).toEqual({ ok: true, mode: 'bearer' });
      expect(failure(verifier.verify(signed({ authorization: TOKEN })))).toBe(
        'missing x-api-key header',
      );
    });

    it('rejects a wrong token', () => {
      const verifier = new WebhookVerifier(config({ bearer: { tokens: [TOKEN] } }));
      expect(verifier.verify(signed({ authorization: 'Bearer bearer-token-7f3' }))).toEqual({
        ok: false,
        reason: 'authorization header does not match any configured token',
        mode: 'bearer',
      });
    });

    it('accepts either token during a rotation', () => {
      const verifier = new WebhookVerifier(config({ bearer: { tokens: ['old-token', TOKEN] } }));
      expect(verifier.verify(signed({ authorization: 'Bearer old-token' })).ok).toBe(true);
      expect(verifier.verify(signed({ authorization: `Bearer ${TOKEN}` })).ok).toBe(true);
    });
  });

  describe('configuration', () => {
    it('accepts everything with mode none when nothing is configured', () => {
      const verifier = new WebhookVerifier(config());
      expect(verifier.enabled).toBe(false);
      expect(verifier.verify(signed({}))).toEqual({ ok: true, mode: 'none' });
    });

    it('is enabled when any secret is configured', () => {
      expect(new WebhookVerifier(config({ legacySecrets: [LEGACY] })).enabled).toBe(true);
      expect(new WebhookVerifier(config({ bearer: { tokens: [TOKEN] } })).enabled).toBe(true);
      expect(new WebhookVerifier(hmacConfig()).enabled).toBe(true);
    });

    describe('with HMAC and legacy both configured', () => {
      const verifier = new WebhookVerifier(
        config({ legacySecrets: [LEGACY], hmac: { secrets: [Buffer.from(vector.secret)] } }),
        clock(),
      );

      it('passes via the legacy secret when no signature is sent', () => {
        expect(verifier.verify(signed({ 'x-vapi-secret': LEGACY }))).toEqual({
          ok: true,
          mode: 'legacy-secret',
        });
      });

      it('passes via HMAC when no legacy secret is sent', () => {
        expect(verifier.verify(vectorRequest())).toEqual({ ok: true, mode: 'hmac' });
      });

      it('passes when one of two presented credentials is valid', () => {
        const request = signed({ 'x-vapi-secret': LEGACY, 'x-signature': 'deadbeef' });
        expect(verifier.verify(request)).toEqual({ ok: true, mode: 'legacy-secret' });
      });

      it('reports the failure of the mode that was attempted', () => {
        expect(failure(verifier.verify(signed({ 'x-vapi-secret': 'wrong' })))).toBe(
          'x-vapi-secret header does not match any configured secret',
        );
        expect(failure(verifier.verify(vectorRequest('00')))).toBe('invalid signature');
      });

      it('prefers the HMAC failure over a plain value in its fallback header', () => {
        const both = new WebhookVerifier(
          config({
            legacySecrets: [LEGACY],
            hmac: { secrets: [Buffer.from(vector.secret)], signatureHeader: 'x-vapi-signature' },
          }),
          clock(),
        );
        const request = signed({ 'x-timestamp': '1', 'x-vapi-signature': 'bad' });
        expect(both.verify(request)).toEqual({
          ok: false,
          reason: 'invalid signature',
          mode: 'hmac',
        });
      });

      it('says no credentials were presented when none are', () => {
        expect(verifier.verify(signed({}))).toEqual({
          ok: false,
          reason: 'no credentials presented (expected one of: x-signature, x-vapi-secret)',
        });
      });
    });
  });

  it('never echoes a secret or the received credential in a reason', () => {
    const secrets = [LEGACY, LEGACY_NEXT, TOKEN, vector.secret];
    const verifier = new WebhookVerifier(
      config({
        legacySecrets: [LEGACY, LEGACY_NEXT],
        bearer: { tokens: [TOKEN] },
        hmac: { secrets: [Buffer.from(vector.secret)] },
      }),
      clock(1000),
    );
    const presented = 'presented-credential-e41a';
    const requests = [
      signed({}),
      signed({ 'x-vapi-secret': presented }),
      signed({ 'x-vapi-signature': presented }),
      signed({ authorization: presented }),
      signed({ authorization: `Bearer ${presented}` }),
      signed({ 'x-signature': presented }),
      signed({ 'x-signature': presented, 'x-timestamp': presented }),
      vectorRequest(),
      signed({ 'x-timestamp': presented, 'x-signature': signAt(presented) }),
    ];
    const reasons = requests.map((r) => failure(verifier.verify(r)));
    expect(new Set(reasons).size).toBeGreaterThan(4);
    for (const reason of reasons) {
      for (const secret of [...secrets, presented]) expect(reason).not.toContain(secret);
    }
  });
});
