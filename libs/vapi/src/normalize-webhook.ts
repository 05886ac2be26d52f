import type { CallEvent, CallEventKind } from './call-event';
import { computeDedupKey } from './dedup-key';
import { isJsonObject } from './json-value';
import { completeLegacyBody, identifyLegacyBody } from './normalize-legacy-body';
import { completeVapiMessage, identifyVapiMessage } from './normalize-vapi-message';
import { assertStorableJson } from './storable-json';
import { WebhookValidationError } from './webhook-validation.error';

/** What the intake needs to know of a body: that it is valid, what it is and its identity. */
export interface WebhookIdentity {
  dedupKey: string;
  kind: CallEventKind;
  messageType: string;
  callId: string | null;
}

/**
 * Validates a parsed webhook body and derives its identity, reading only the fields the dedup key
 * depends on (no call facts, no report). Throws `WebhookValidationError` exactly when
 * `normalizeWebhook` would, and gives the same key: both are built on the same validation.
 * `text` is the JSON text `body` was parsed from, if at hand: it spares most of the storability
 * walk (see `assertStorableJson`).
 */
export function identifyWebhook(body: unknown, text?: string): WebhookIdentity {
  const { fields, source } = identify(body, text);
  return {
    dedupKey: computeDedupKey(fields, source),
    kind: fields.kind,
    messageType: fields.messageType,
    callId: fields.callId,
  };
}

/**
 * Turns a parsed webhook body — VAPI `{"message": {...}}` or legacy `{"type": "call.*",
 * "call": {...}}` — into a `CallEvent` with its dedup key. Throws `WebhookValidationError`
 * when the body is neither, or lacks what its kind needs (type, call id, status).
 * Unknown VAPI message types are not errors: they become kind `other`. A body that could never
 * be stored (see `assertStorableJson`) is refused the same way, before anything recurses into it.
 *
 * `knownKey` is the key the intake already derived from this body (the worker has it with
 * every job): given, the key is not hashed again.
 */
export function normalizeWebhook(body: unknown, knownKey?: string): CallEvent {
  const identified = identify(body);
  const dedupKey = knownKey ?? computeDedupKey(identified.fields, identified.source);
  const event =
    identified.format === 'vapi'
      ? completeVapiMessage(identified.vapi)
      : completeLegacyBody(identified.legacy);
  return { dedupKey, ...event };
}

type Identified =
  | {
      format: 'vapi';
      vapi: ReturnType<typeof identifyVapiMessage>;
      fields: ReturnType<typeof identifyVapiMessage>['fields'];
      source: unknown;
    }
  | {
      format: 'legacy';
      legacy: ReturnType<typeof identifyLegacyBody>;
      fields: ReturnType<typeof identifyLegacyBody>['fields'];
      source: unknown;
    };

function identify(body: unknown, text?: string): Identified {
  if (!isJsonObject(body)) throw new WebhookValidationError('body must be a JSON object');
  assertStorableJson(body, text);
  if ('message' in body) {
    const vapi = identifyVapiMessage(body.message);
    return { format: 'vapi', vapi, fields: vapi.fields, source: body.message };
  }
  if ('type' in body) {
    const legacy = identifyLegacyBody(body);
    return { format: 'legacy', legacy, fields: legacy.fields, source: body };
  }
  throw new WebhookValidationError(
    'body must have a "message" object (VAPI format) or a "type" and "call" (legacy format)',
  );
}
