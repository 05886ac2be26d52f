import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookAuthConfig } from '@app/config';

/** A webhook authentication scheme (PROTOCOL.md §7); `none` means authentication is disabled. */
export type WebhookAuthMode = 'legacy-secret' | 'bearer' | 'hmac';

/** Outcome of `WebhookVerifier.verify`; `reason` is safe to return in a 401 body and to use as a metric label. */
export type VerifyResult =
  | { ok: true; mode: WebhookAuthMode | 'none' }
  | { ok: false; reason: string; mode?: WebhookAuthMode };

/** What the verifier needs from an incoming request; header names are lowercase, as Fastify gives them. */
export interface VerifyInput {
  rawBody: Buffer;
  headers: Record<string, string | string[] | undefined>;
  method?: string;
  url?: string;
}

/**
 * Secrets known only by their SHA-256 (stored webhook credentials, see `hashSecret` in
 * libs/database): checked exactly like configured secrets, whose digests are computed the same way.
 */
export interface StoredDigests {
  legacySecrets?: readonly Buffer[];
  bearerTokens?: readonly Buffer[];
}

const LEGACY_HEADER = 'x-vapi-secret';
// Vapi's docs (2025-03..09) said the plain secret travels in this header; accepted for compatibility.
const LEGACY_ALT_HEADER = 'x-vapi-signature';

/**
 * How strongly a failure tells us what the caller attempted: a credential in the mode's own header
 * beats one found in a fallback header, which beats no credential at all.
 */
enum Evidence {
  Absent = 0,
  Fallback = 1,
  Presented = 2,
}

type Attempt =
  | { ok: true; mode: WebhookAuthMode }
  | { ok: false; mode: WebhookAuthMode; reason: string; evidence: Evidence; header: string };

type FormatPart = { literal: Buffer } | { placeholder: 'timestamp' | 'body' | 'method' | 'url' };

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/** Compares against every candidate without stopping early, so timing does not reveal which one matched. */
function matchesAny(value: string, candidates: Buffer[]): boolean {
  // Hashing first makes both sides 32 bytes, so neither the secret's length nor its prefix leaks.
  const received = digest(value);
  let matched = false;
  for (const candidate of candidates) {
    matched = timingSafeEqual(received, candidate) || matched;
  }
  return matched;
}

/** Compares two signatures of public length; unequal lengths fail without throwing. */
function sameSignature(expected: string, received: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(received, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

function parseFormat(format: string): FormatPart[] {
  const parts: FormatPart[] = [];
  // Unknown placeholders (e.g. `{svix-id}`) stay literal: we have no header configured for them.
  const re = /\{(timestamp|body|method|url)\}/g;
  let last = 0;
  for (let m = re.exec(format); m !== null; m = re.exec(format)) {
    if (m.index > last) parts.push({ literal: Buffer.from(format.slice(last, m.index), 'utf8') });
    parts.push({ placeholder: m[1] as 'timestamp' | 'body' | 'method' | 'url' });
    last = m.index + m[0].length;
  }
  if (last < format.length) parts.push({ literal: Buffer.from(format.slice(last), 'utf8') });
  return parts;
}

/**
 * Checks that a VAPI server message comes from VAPI, using whichever of the legacy shared secret,
 * Bearer token and HMAC signature schemes are configured (PROTOCOL.md §7). Pure: no Nest, no I/O.
 */
export class WebhookVerifier {
  /** False when no secret of any kind is configured: every request is then accepted. */
  readonly enabled: boolean;

  private readonly legacyDigests: Buffer[];
  private readonly bearerDigests: Buffer[];
  private readonly hmacSecrets: Buffer[];
  private readonly bearerHeader: string;
  private readonly signatureHeader: string;
  private readonly timestampHeader: string;
  private readonly format: FormatPart[];

  constructor(
    private readonly config: WebhookAuthConfig,
    private readonly now: () => number = Date.now,
    stored: StoredDigests = {},
  ) {
    // An empty secret would let anyone in, so it never counts as configured.
    this.legacyDigests = config.legacySecrets.filter((s) => s.length > 0).map(digest);
    this.bearerDigests = config.bearer.tokens.filter((s) => s.length > 0).map(digest);
    for (const d of [...(stored.legacySecrets ?? []), ...(stored.bearerTokens ?? [])]) {
      // timingSafeEqual throws on unequal lengths: refuse a malformed digest here, not per request.
      if (d.length !== 32) throw new Error('a stored secret digest must be 32 bytes (SHA-256)');
    }
    this.legacyDigests.push(...(stored.legacySecrets ?? []));
    this.bearerDigests.push(...(stored.bearerTokens ?? []));
    this.hmacSecrets = config.hmac.secrets.filter((s) => s.length > 0);
    this.bearerHeader = config.bearer.header.toLowerCase();
    this.signatureHeader = config.hmac.signatureHeader.toLowerCase();
    this.timestampHeader = config.hmac.timestampHeader.toLowerCase();
    this.format = parseFormat(config.hmac.payloadFormat);
    this.enabled =
      this.legacyDigests.length + this.bearerDigests.length + this.hmacSecrets.length > 0;
  }

  /** Accepts the request if any configured mode accepts it; otherwise explains the most specific failure. */
  verify(input: VerifyInput): VerifyResult {
    if (!this.enabled) return { ok: true, mode: 'none' };

    const attempts: Attempt[] = [];
    if (this.hmacSecrets.length > 0) attempts.push(this.verifyHmac(input));
    if (this.bearerDigests.length > 0) attempts.push(this.verifyBearer(input));
    if (this.legacyDigests.length > 0) attempts.push(this.verifyLegacy(input));

    let best: Extract<Attempt, { ok: false }> | undefined;
    for (const attempt of attempts) {
      if (attempt.ok) return { ok: true, mode: attempt.mode };
      if (best === undefined || attempt.evidence > best.evidence) best = attempt;
    }
    if (best === undefined) return { ok: false, reason: 'no authentication mode configured' };
    if (best.evidence > Evidence.Absent) {
      return { ok: false, reason: best.reason, mode: best.mode };
    }
    if (attempts.length === 1) return { ok: false, reason: best.reason, mode: best.mode };
    const expected = [...new Set(attempts.map((a) => (a.ok ? '' : a.header)))].join(', ');
    return { ok: false, reason: `no credentials presented (expected one of: ${expected})` };
  }

  private verifyLegacy(input: VerifyInput): Attempt {
    const mode = 'legacy-secret';
    const secret = header(input, LEGACY_HEADER);
    const alt = header(input, LEGACY_ALT_HEADER);
    if (secret !== undefined && matchesAny(secret, this.legacyDigests)) return { ok: true, mode };
    if (alt !== undefined && matchesAny(alt, this.legacyDigests)) return { ok: true, mode };
    if (secret !== undefined) {
      return {
        ok: false,
        mode,
        header: LEGACY_HEADER,
        evidence: Evidence.Presented,
        reason: `${LEGACY_HEADER} header does not match any configured secret`,
      };
    }
    if (alt !== undefined) {
      return {
        ok: false,
        mode,
        header: LEGACY_HEADER,
        evidence: Evidence.Fallback,
        reason: `${LEGACY_ALT_HEADER} header does not match any configured secret`,
      };
    }
    return missing(mode, LEGACY_HEADER);
  }

  private verifyBearer(input: VerifyInput): Attempt {
    const mode = 'bearer';
    const name = this.bearerHeader;
    const value = header(input, name);
    if (value === undefined) return missing(mode, name);
    let token = value;
    if (this.config.bearer.prefixEnabled) {
      const m = /^bearer +(.+)$/is.exec(value);
      if (m === null) {
        return {
          ok: false,
          mode,
          header: name,
          evidence: Evidence.Presented,
          reason: `${name} header does not use the Bearer scheme`,
        };
      }
      token = m[1];
    }
    if (matchesAny(token, this.bearerDigests)) return { ok: true, mode };
    return {
      ok: false,
      mode,
      header: name,
      evidence: Evidence.Presented,
      reason: `${name} header does not match any configured token`,
    };
  }

  private verifyHmac(input: VerifyInput): Attempt {
    const mode = 'hmac';
    const { algorithm, encoding, signaturePrefix, includeTimestamp, toleranceSeconds } =
      this.config.hmac;
    const sigName = this.signatureHeader;
    const tsName = this.timestampHeader;
    const fail = (reason: string): Attempt => ({
      ok: false,
      mode,
      header: sigName,
      evidence: Evidence.Presented,
      reason,
    });

    const received = header(input, sigName);
    if (received === undefined) return missing(mode, sigName);
    const timestamp = header(input, tsName);
    if (includeTimestamp && timestamp === undefined) return fail(`missing ${tsName} header`);

    const signed = this.signedParts(input, timestamp ?? '');
    // Hex digests are case-insensitive; base64 is not, so it is compared exactly.
    const normalise = (s: string): string => (encoding === 'hex' ? s.toLowerCase() : s);
    let matched = false;
    for (const secret of this.hmacSecrets) {
      const hmac = createHmac(algorithm, secret);
      for (const part of signed) hmac.update(part);
      const expected = signaturePrefix + hmac.digest(encoding);
      matched = sameSignature(normalise(expected), normalise(received)) || matched;
    }
    if (!matched) return fail('invalid signature');

    if (includeTimestamp) {
      const seconds = parseTimestamp(timestamp ?? '');
      if (seconds === undefined) return fail('invalid timestamp');
      if (Math.abs(this.now() / 1000 - seconds) > toleranceSeconds) {
        return fail(`timestamp outside the ${toleranceSeconds} s window`);
      }
    }
    return { ok: true, mode };
  }

  /**
   * The exact bytes that were signed, in order; the body is passed as the received bytes, never
   * re-encoded, and never copied into one buffer (reports are 100 KB and more).
   */
  private signedParts(input: VerifyInput, timestamp: string): Buffer[] {
    const values = {
      timestamp,
      method: input.method ?? '',
      url: input.url ?? '',
    };
    return this.format.map((part) => {
      if ('literal' in part) return part.literal;
      if (part.placeholder === 'body') return input.rawBody;
      return Buffer.from(values[part.placeholder], 'utf8');
    });
  }
}

/** First value of a header (repeated headers arrive as arrays); empty counts as absent. */
function header(input: VerifyInput, name: string): string | undefined {
  const raw = input.headers[name];
  const value = Array.isArray(raw) ? raw[0] : raw;
  return value === undefined || value === '' ? undefined : value;
}

function missing(mode: WebhookAuthMode, name: string): Attempt {
  return {
    ok: false,
    mode,
    header: name,
    evidence: Evidence.Absent,
    reason: `missing ${name} header`,
  };
}

/** Unix time in seconds; values above 1e12 can only be milliseconds (1e12 s is ~year 33658). */
function parseTimestamp(value: string): number | undefined {
  if (!/^\d{1,16}(\.\d+)?$/.test(value.trim())) return undefined;
  const n = Number(value);
  return n > 1e12 ? n / 1000 : n;
}
