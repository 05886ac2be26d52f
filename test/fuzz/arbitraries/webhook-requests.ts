import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { toJsonText, type JsonNode } from './json-text';
import { mutatedBody } from './mutations';
import { knownBody } from './vapi-messages';

/** The secrets the fuzzed api is configured with: every auth mode at once. */
export const FUZZ_SECRETS = {
  legacy: 'fuzz-legacy-secret-4f1c',
  bearer: 'fuzz-bearer-token-9a7e',
  hmac: 'fuzz-hmac-secret-2d8b',
} as const;

/** Env that turns on the three modes with `FUZZ_SECRETS` (add to the api's test config). */
export const FUZZ_AUTH_ENV: Record<string, string> = {
  VAPI_WEBHOOK_SECRET: FUZZ_SECRETS.legacy,
  VAPI_WEBHOOK_BEARER_TOKEN: FUZZ_SECRETS.bearer,
  VAPI_WEBHOOK_HMAC_SECRET: FUZZ_SECRETS.hmac,
};

/** How a case authenticates; `valid` is the oracle (only valid ones may ever get a 2xx). */
export interface AuthCase {
  mode: string;
  valid: boolean;
  headers(body: Buffer, nowSeconds: number): Record<string, string>;
}

const sign = (body: Buffer, timestamp: string, secret: string): string =>
  createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');

const hmacCase = (
  mode: string,
  valid: boolean,
  build: (body: Buffer, now: number) => { ts: string; sig: string },
): AuthCase => ({
  mode,
  valid,
  headers: (body, now) => {
    const { ts, sig } = build(body, now);
    return { 'x-timestamp': ts, 'x-signature': sig };
  },
});

/** The secrets an api under test has; a mode without one can never authenticate. */
export interface AuthSecrets {
  legacy?: string;
  bearer?: string;
  hmac?: string;
}

/**
 * Each auth mode done right (valid only when the api has that mode's secret), and each broken
 * in the ways senders break it.
 */
export function authCases(configured: AuthSecrets): AuthCase[] {
  // A mode the api lacks is still tried, with a value it could never accept.
  const secrets = {
    legacy: configured.legacy ?? 'unconfigured-legacy-secret',
    bearer: configured.bearer ?? 'unconfigured-bearer-token',
    hmac: configured.hmac ?? 'unconfigured-hmac-secret',
  };
  const fixed = (mode: string, valid: boolean, headers: Record<string, string>): AuthCase => ({
    mode,
    valid,
    headers: () => headers,
  });
  const hmac = (
    mode: string,
    valid: boolean,
    build: (body: Buffer, now: number, secret: string) => { ts: string; sig: string },
  ): AuthCase => hmacCase(mode, valid, (body, now) => build(body, now, secrets.hmac));
  return [
    fixed('x-vapi-secret', configured.legacy !== undefined, { 'x-vapi-secret': secrets.legacy }),
    fixed('bearer', configured.bearer !== undefined, { authorization: `Bearer ${secrets.bearer}` }),
    fixed('bearer, lower-case scheme', configured.bearer !== undefined, {
      authorization: `bearer ${secrets.bearer}`,
    }),
    hmac('hmac', configured.hmac !== undefined, (body, now, key) => ({
      ts: String(now),
      sig: sign(body, String(now), key),
    })),
    hmac('hmac, ms timestamp', configured.hmac !== undefined, (body, now, key) => ({
      ts: String(now * 1000),
      sig: sign(body, String(now * 1000), key),
    })),
    fixed('none', false, {}),
    fixed('x-vapi-secret, wrong', false, { 'x-vapi-secret': `${secrets.legacy}x` }),
    fixed('x-vapi-secret, prefix', false, { 'x-vapi-secret': secrets.legacy.slice(0, -1) }),
    fixed('x-vapi-secret, empty', false, { 'x-vapi-secret': '' }),
    fixed('x-vapi-secret, huge', false, { 'x-vapi-secret': 'x'.repeat(8_000) }),
    fixed('x-vapi-secret, other header', false, { 'x-vapi-secrets': secrets.legacy }),
    fixed('bearer, no scheme', false, { authorization: secrets.bearer }),
    fixed('bearer, basic scheme', false, { authorization: `Basic ${secrets.bearer}` }),
    fixed('bearer, wrong token', false, { authorization: `Bearer ${secrets.legacy}` }),
    fixed('bearer, empty token', false, { authorization: 'Bearer ' }),
    fixed('bearer, tab instead of space', false, { authorization: `Bearer\t${secrets.bearer}` }),
    hmac('hmac, wrong secret', false, (body, now) => ({
      ts: String(now),
      sig: sign(body, String(now), `${secrets.hmac}x`),
    })),
    hmac('hmac, other body', false, (body, now) => ({
      ts: String(now),
      sig: sign(Buffer.concat([body, Buffer.from(' ')]), String(now), secrets.hmac),
    })),
    hmac('hmac, stale', false, (body, now) => ({
      ts: String(now - 3_600),
      sig: sign(body, String(now - 3_600), secrets.hmac),
    })),
    hmac('hmac, future', false, (body, now) => ({
      ts: String(now + 3_600),
      sig: sign(body, String(now + 3_600), secrets.hmac),
    })),
    hmac('hmac, malformed timestamp', false, (body, now) => ({
      ts: `${now}abc`,
      sig: sign(body, `${now}abc`, secrets.hmac),
    })),
    hmac('hmac, truncated signature', false, (body, now) => ({
      ts: String(now),
      sig: sign(body, String(now), secrets.hmac).slice(0, 63),
    })),
    hmac('hmac, no signature', false, (_body, now) => ({ ts: String(now), sig: '' })),
    hmac('hmac, signature is the secret', false, (_body, now) => ({
      ts: String(now),
      sig: secrets.hmac,
    })),
  ];
}

/** The cases for the fuzzed api, which has every mode's secret. */
export const AUTH_CASES: readonly AuthCase[] = authCases(FUZZ_SECRETS);

/** Content types: JSON in its spellings (parsed), and everything else (415). */
export const JSON_CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'Application/JSON',
];
const OTHER_CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'text/json',
  'application/octet-stream',
];

/** How the body's bytes are produced from its JSON text. */
export type BodyEncoding =
  | { kind: 'utf8' }
  | { kind: 'truncated'; keep: number }
  | { kind: 'bom' }
  | { kind: 'utf16le' }
  | { kind: 'latin1' }
  | { kind: 'invalid-utf8'; at: number }
  | { kind: 'empty' }
  | { kind: 'garbage'; bytes: Uint8Array };

const encodingArb: fc.Arbitrary<BodyEncoding> = fc.oneof(
  { weight: 12, arbitrary: fc.constant({ kind: 'utf8' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('truncated' as const),
      keep: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
  },
  fc.constant({ kind: 'bom' as const }),
  fc.constant({ kind: 'utf16le' as const }),
  fc.constant({ kind: 'latin1' as const }),
  fc.record({
    kind: fc.constant('invalid-utf8' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
  }),
  fc.constant({ kind: 'empty' as const }),
  fc.record({ kind: fc.constant('garbage' as const), bytes: fc.uint8Array({ maxLength: 64 }) }),
);

export function encodeBody(text: string, encoding: BodyEncoding): Buffer {
  switch (encoding.kind) {
    case 'utf8':
      return Buffer.from(text, 'utf8');
    case 'truncated':
      return Buffer.from(text, 'utf8').subarray(
        0,
        Math.floor(encoding.keep * Buffer.byteLength(text)),
      );
    case 'bom':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
    case 'utf16le':
      return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    case 'latin1':
      return Buffer.from(text, 'latin1');
    case 'invalid-utf8': {
      const bytes = Buffer.from(text, 'utf8');
      const at = Math.floor(encoding.at * bytes.length);
      return Buffer.concat([
        bytes.subarray(0, at),
        Buffer.from([0xc3, 0x28, 0xff]),
        bytes.subarray(at),
      ]);
    }
    case 'empty':
      return Buffer.alloc(0);
    case 'garbage':
      return Buffer.from(encoding.bytes);
  }
}

/** One generated webhook request. */
export interface WebhookCase {
  body: JsonNode;
  encoding: BodyEncoding;
  contentType: string | undefined;
  auth: AuthCase;
}

/** The request's bytes and headers, signed (or mis-signed) now. */
export function renderCase(
  c: WebhookCase,
  nowSeconds = Math.floor(Date.now() / 1000),
): {
  bytes: Buffer;
  headers: Record<string, string>;
} {
  const bytes = encodeBody(toJsonText(c.body), c.encoding);
  const headers: Record<string, string> = { ...c.auth.headers(bytes, nowSeconds) };
  if (c.contentType !== undefined) headers['content-type'] = c.contentType;
  return { bytes, headers };
}

/**
 * Webhook requests: a known body (every type, both formats), mutated, encoded (mostly UTF-8,
 * sometimes truncated or in a wrong charset), with a content type and an auth case. Valid auth
 * and JSON content types dominate so that most cases reach validation and the responder.
 */
export function webhookCaseArb(auth: readonly AuthCase[] = AUTH_CASES): fc.Arbitrary<WebhookCase> {
  return fc
    .record({
      body: mutatedBody(knownBody()),
      encoding: encodingArb,
      contentType: fc.oneof(
        { weight: 10, arbitrary: fc.constantFrom(...JSON_CONTENT_TYPES) },
        { weight: 1, arbitrary: fc.constantFrom(...OTHER_CONTENT_TYPES) },
        { weight: 1, arbitrary: fc.constant(undefined) },
      ),
      auth: fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom(...auth.filter((a) => a.valid)) },
        { weight: 1, arbitrary: fc.constantFrom(...auth.filter((a) => !a.valid)) },
      ),
    })
    .map(describedCase);
}

/** Longest body text a counter-example shows; the rest is summarised by its length. */
const SHOWN_BODY = 4_000;

/**
 * Gives a case the printout fast-check uses for counter-examples: the exact body text (cut
 * when huge), its encoding, content type and auth mode. (fast-check's own printer recurses and
 * would overflow on the deeply nested bodies.)
 */
export function describedCase(c: WebhookCase): WebhookCase {
  return Object.defineProperty({ ...c }, fc.toStringMethod, {
    enumerable: false,
    value: () => describeCase(c),
  });
}

export function describeCase(c: WebhookCase): string {
  const text = toJsonText(c.body);
  const shown =
    text.length > SHOWN_BODY
      ? `${text.slice(0, SHOWN_BODY)}… (${text.length} characters in all)`
      : text;
  return [
    `auth: ${c.auth.mode}`,
    `content-type: ${String(c.contentType)}`,
    `encoding: ${JSON.stringify(c.encoding)}`,
    `body: ${shown}`,
  ].join('\n');
}
