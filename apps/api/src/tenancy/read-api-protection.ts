import type { AppConfig } from '@app/config';
import { probeActiveReadTokens } from '@app/database';

/** How long the production boot check waits for Postgres to count read tokens. */
const PROBE_TIMEOUT_MS = 3000;

/** What the api should do about read-API protection at boot. */
export interface ReadApiBootCheck {
  /** Set: refuse to start, with this message. */
  refuse?: string;
  /** Set: start, and log this warning. */
  warn?: string;
}

/** Counts usable stored read tokens; undefined when Postgres does not answer. */
export type ReadTokenProbe = (url: string, timeoutMs: number) => Promise<number | undefined>;

/**
 * In production the read API must have a token: one in `API_TOKENS`, or an active one in the
 * database. The database is asked over a short connection of its own, because the api's main
 * connection comes up in the background. When Postgres does not answer, the api starts anyway
 * (webhooks must not wait for Postgres) and the read API refuses every request until a token
 * exists: it is never open in production.
 */
export async function checkReadApiProtection(
  config: AppConfig,
  probe: ReadTokenProbe = probeActiveReadTokens,
): Promise<ReadApiBootCheck> {
  if (config.readApiTokens.length > 0) return {};
  if (config.env !== 'production') {
    return {
      warn: 'API_TOKENS is not set: the read API (/api/calls) is open to anyone who can reach it until a read token is created (`tokens create`).',
    };
  }
  const active = await probe(config.database.url, PROBE_TIMEOUT_MS);
  if (active === undefined) {
    return {
      warn: 'API_TOKENS is not set and Postgres did not answer, so stored read tokens could not be counted: the read API refuses every request until it finds an active token.',
    };
  }
  if (active > 0) return {};
  return {
    refuse:
      'The read API has no token: API_TOKENS is empty and the database holds no active read token; refusing to start in production. Set API_TOKENS (comma-separated operator tokens), or create a token with `node dist/apps/cli/src/main.js tokens create --all` (or `--tenant <id>`).',
  };
}
