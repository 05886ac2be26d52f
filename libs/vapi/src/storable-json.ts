import { WebhookValidationError } from './webhook-validation.error';

/**
 * Deepest nesting a body may have. VAPI's deepest bodies (tool schemas inside an assistant) stay
 * under 20 levels; past a few thousand, every recursive step downstream (redaction, hashing,
 * BullMQ's and Postgres' serialisers) would overflow the stack.
 */
export const MAX_BODY_DEPTH = 64;

/** A NUL or a lone UTF-16 surrogate: valid in JSON text, refused by Postgres `jsonb`. */
const UNSTORABLE = /[\0\p{Cs}]/u;

/**
 * In JSON text, a NUL or a surrogate can only be written as a `\u` escape: a raw NUL is not
 * valid JSON, and UTF-8 cannot encode a surrogate (a decoder turns bad bytes into U+FFFD).
 * Text without such an escape parses to strings that are all storable.
 */
const UNSTORABLE_ESCAPE = /\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})/;

interface Pending {
  value: unknown;
  depth: number;
  parent?: Pending;
  key?: string;
}

/**
 * Throws `WebhookValidationError` when a parsed body could be accepted but never stored: nested
 * deeper than `MAX_BODY_DEPTH`, or holding a string (value or key) Postgres `jsonb` refuses.
 * Iterative, so a hostile depth cannot overflow the stack here.
 *
 * `source` is the JSON text the body was parsed from, when there is one (the intake has it):
 * unless it holds a NUL or surrogate escape, strings need no test, and the walk only measures
 * depth. The walk allocates nothing per value; only a body that fails is walked again to say
 * where.
 */
export function assertStorableJson(body: unknown, source?: string): void {
  const checkStrings = source === undefined || UNSTORABLE_ESCAPE.test(source);
  const values: unknown[] = [body];
  const depths: number[] = [0];
  while (depths.length > 0) {
    const value = values.pop();
    const depth = depths.pop()!;
    if (typeof value === 'string') {
      if (checkStrings && UNSTORABLE.test(value)) locateUnstorable(body);
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_BODY_DEPTH) locateUnstorable(body);
    if (Array.isArray(value)) {
      for (const child of value as unknown[]) {
        values.push(child);
        depths.push(depth + 1);
      }
      continue;
    }
    const object = value as Record<string, unknown>;
    for (const key of Object.keys(object)) {
      if (checkStrings && UNSTORABLE.test(key)) locateUnstorable(body);
      values.push(object[key]);
      depths.push(depth + 1);
    }
  }
}

/** Throws the error for the first unstorable part of `body`, with its path. */
function locateUnstorable(body: unknown): never {
  const stack: Pending[] = [{ value: body, depth: 0 }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { value, depth } = item;
    if (typeof value === 'string') {
      if (UNSTORABLE.test(value)) throw unstorable(value, item);
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_BODY_DEPTH) {
      throw new WebhookValidationError(
        `body is nested deeper than ${MAX_BODY_DEPTH} levels (at ${pathOf(item)})`,
      );
    }
    if (Array.isArray(value)) {
      value.forEach((child: unknown, i) =>
        stack.push({ value: child, depth: depth + 1, parent: item, key: String(i) }),
      );
      continue;
    }
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      if (UNSTORABLE.test(key)) throw unstorable(key, item);
      stack.push({ value: child, depth: depth + 1, parent: item, key });
    }
  }
  throw new Error('assertStorableJson: a failure was found but could not be located');
}

function unstorable(text: string, at: Pending): WebhookValidationError {
  const what = text.includes('\0') ? 'a NUL character (\\u0000)' : 'a lone UTF-16 surrogate';
  return new WebhookValidationError(
    `body holds ${what} at ${pathOf(at)}, which cannot be stored; send valid Unicode text`,
  );
}

/** `message.call.id`-style path of an item, shortened for deep ones. */
function pathOf(item: Pending): string {
  const keys: string[] = [];
  for (let at: Pending | undefined = item; at?.key !== undefined; at = at.parent) {
    keys.push(at.key);
  }
  const path = keys.reverse();
  const shown = path.length > 8 ? [...path.slice(0, 4), '…', ...path.slice(-3)] : path;
  return shown.length === 0 ? 'the top level' : shown.join('.');
}
