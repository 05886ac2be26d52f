import type { CallEvent } from './call-event';
import { computeDedupKey, type UnkeyedCallEvent } from './dedup-key';
import { isJsonObject } from './json-value';
import { normalizeLegacyBody } from './normalize-legacy-body';
import { normalizeVapiMessage } from './normalize-vapi-message';
import { assertStorableJson } from './storable-json';
import { WebhookValidationError } from './webhook-validation.error';

/**
 * Turns a parsed webhook body — VAPI `{"message": {...}}` or legacy `{"type": "call.*",
 * "call": {...}}` — into a `CallEvent` with its dedup key. Throws `WebhookValidationError`
 * when the body is neither, or lacks what its kind needs (type, call id, status).
 * Unknown VAPI message types are not errors: they become kind `other`. A body that could never
 * be stored (see `assertStorableJson`) is refused the same way, before anything recurses into it.
 */
export function normalizeWebhook(body: unknown): CallEvent {
  if (!isJsonObject(body)) throw new WebhookValidationError('body must be a JSON object');
  assertStorableJson(body);
  if ('message' in body) return withKey(normalizeVapiMessage(body.message), body.message);
  if ('type' in body) return withKey(normalizeLegacyBody(body), body);
  throw new WebhookValidationError(
    'body must have a "message" object (VAPI format) or a "type" and "call" (legacy format)',
  );
}

function withKey(event: UnkeyedCallEvent, source: unknown): CallEvent {
  return { dedupKey: computeDedupKey(event, source), ...event };
}
