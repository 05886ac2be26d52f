import { num } from './json-value';

/** Epoch values below this are taken as seconds: 1e12 ms is 2001, 1e12 s is far in the future. */
const SECONDS_THRESHOLD = 1e12;
const NUMERIC = /^\d+(\.\d+)?$/;
const ISO_WITHOUT_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

/**
 * Reads a timestamp as VAPI sends it — epoch ms number (SDK ≥0.8), numeric string in ms or s
 * (older SDKs, HMAC headers), or ISO 8601 string — and returns it as ISO 8601 UTC, or null.
 */
export function parseTimestamp(value: unknown): string | null {
  if (typeof value === 'number') return fromEpoch(value);
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (text === '') return null;
  if (NUMERIC.test(text)) return fromEpoch(Number(text));
  // VAPI times are UTC; without this a zone-less string would be read in the host's zone.
  return fromMillis(Date.parse(ISO_WITHOUT_ZONE.test(text) ? `${text}Z` : text));
}

/** Milliseconds between two ISO timestamps (`to - from`), or undefined if either is unusable. */
export function millisBetween(from: unknown, to: unknown): number | undefined {
  const start = parseTimestamp(from);
  const end = parseTimestamp(to);
  if (start === null || end === null) return undefined;
  return Date.parse(end) - Date.parse(start);
}

function fromEpoch(value: number): string | null {
  const epoch = num(value);
  if (epoch === undefined || epoch <= 0) return null;
  return fromMillis(epoch < SECONDS_THRESHOLD ? epoch * 1000 : epoch);
}

/**
 * Times Postgres and ISO 8601's four-digit years can both hold. JavaScript dates reach year
 * 275760, which `toISOString` writes as `+275760-…` and Postgres refuses: such a time would be
 * acknowledged and then fail its job, so it is treated as unusable, like any unparsable time.
 */
const LATEST_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

function fromMillis(ms: number): string | null {
  const date = new Date(Math.round(ms));
  const time = date.getTime();
  return Number.isNaN(time) || time < 0 || time > LATEST_MS ? null : date.toISOString();
}
