import { createHash, timingSafeEqual } from 'node:crypto';

/** The `WWW-Authenticate` challenge sent with every 401 from the board. */
export const BOARD_CHALLENGE = 'Basic realm="vapi-hooks admin"';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * Checks `Authorization: Basic` headers against one username and password. Both halves are
 * always compared, over SHA-256 digests, so timing reveals neither which half was wrong nor
 * the length of either.
 */
export class BasicAuthChecker {
  private readonly username: Buffer;
  private readonly password: Buffer;

  constructor(credentials: { username: string; password: string }) {
    this.username = digest(credentials.username);
    this.password = digest(credentials.password);
  }

  /** True when `header` carries the configured credentials. */
  accepts(header: string | undefined): boolean {
    const presented = parseBasic(header);
    if (presented === undefined) return false;
    const userOk = timingSafeEqual(digest(presented.username), this.username);
    const passwordOk = timingSafeEqual(digest(presented.password), this.password);
    return userOk && passwordOk;
  }
}

/** Username and password of a Basic `Authorization` header, or undefined when it is not one. */
export function parseBasic(
  header: string | undefined,
): { username: string; password: string } | undefined {
  const match = /^basic +([A-Za-z0-9+/=_-]+) *$/i.exec(header ?? '');
  if (match === null) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
