import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { ALL_TENANTS, type ReadScope } from '../tenancy/read-scope';

/** Name of the HTTP-only cookie that carries a stream ticket. */
export const STREAM_TICKET_COOKIE = 'vapi_stream_ticket';

/** The one thing a ticket is good for: reading live streams and recordings from a browser. */
const PURPOSE = 'live-read';

/** Outcome of `StreamTickets.verify`; `reason` is safe for a response. */
export type TicketCheck = { ok: true; scope: ReadScope } | { ok: false; reason: string };

interface TicketClaims {
  /** Purpose. */
  p: string;
  /** Scope: '*' for every tenant, else the tenant id. */
  s: string;
  /** Expiry, epoch ms. */
  e: number;
}

const b64url = (buf: Buffer): string => buf.toString('base64url');

/**
 * Short-lived, single-purpose stream tickets. A browser's `EventSource` (and `<audio>`) cannot
 * send an `Authorization` header, so the console trades its read token for a ticket in an
 * HTTP-only cookie; the long-lived token never appears in a URL. A ticket is signed (HMAC-SHA256)
 * rather than stored, so any api process sharing the key accepts it: the key is derived from
 * the first `SECRETS_KEY`, else drawn at random per process (tickets then only work on the
 * process that issued them, which `keyIsShared` reports so the boot log can say so).
 */
export class StreamTickets {
  private readonly key: Buffer;
  readonly keyIsShared: boolean;

  constructor(
    secretsKey: Buffer | undefined,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.keyIsShared = secretsKey !== undefined;
    this.key =
      secretsKey === undefined
        ? randomBytes(32)
        : Buffer.from(
            hkdfSync('sha256', secretsKey, Buffer.alloc(0), 'vapi-hooks stream ticket', 32),
          );
  }

  /** A ticket for `scope`, valid for the configured lifetime. */
  issue(scope: ReadScope): { ticket: string; expiresAt: Date } {
    const expiresAt = new Date(this.now() + this.ttlMs);
    const claims: TicketClaims = {
      p: PURPOSE,
      s: scope.all ? '*' : scope.tenantId,
      e: expiresAt.getTime(),
    };
    const body = b64url(Buffer.from(JSON.stringify(claims), 'utf8'));
    return { ticket: `${body}.${this.sign(body)}`, expiresAt };
  }

  /** Checks a presented ticket: signature, purpose, expiry. */
  verify(ticket: string): TicketCheck {
    const invalid: TicketCheck = { ok: false, reason: 'Invalid stream ticket.' };
    const dot = ticket.indexOf('.');
    if (dot <= 0 || ticket.length > 1024) return invalid;
    const body = ticket.slice(0, dot);
    const presented = Buffer.from(ticket.slice(dot + 1), 'base64url');
    const expected = Buffer.from(this.sign(body), 'base64url');
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
      return invalid;
    }
    let claims: TicketClaims;
    try {
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as TicketClaims;
    } catch {
      return invalid;
    }
    if (claims.p !== PURPOSE || typeof claims.s !== 'string' || typeof claims.e !== 'number') {
      return invalid;
    }
    if (claims.e <= this.now()) {
      return { ok: false, reason: 'Stream ticket expired; request a new one.' };
    }
    return { ok: true, scope: claims.s === '*' ? ALL_TENANTS : { all: false, tenantId: claims.s } };
  }

  private sign(body: string): string {
    return b64url(createHmac('sha256', this.key).update(body).digest());
  }
}

/** The value of cookie `name` in a `Cookie` header, if present. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
