import type { CallFacts } from './call-event';
import { compact, obj, str, type JsonObject } from './json-value';
import { parseTimestamp } from './timestamp';
import { MAX_ID_LENGTH } from './webhook-validation.error';

/**
 * Call facts from a Call object (`message.call`, or the legacy `call`), falling back to the
 * message-level `assistant`, `phoneNumber` and `customer` that VAPI sends beside it.
 * Times are re-rendered as ISO 8601 UTC; unusable ones are dropped.
 */
export function callFactsFrom(call: JsonObject | undefined, message?: JsonObject): CallFacts {
  return compact<CallFacts>({
    type: str(call?.type),
    assistantId: id(call?.assistantId) ?? id(obj(message?.assistant)?.id),
    phoneNumberId: str(call?.phoneNumberId) ?? str(obj(message?.phoneNumber)?.id),
    customerNumber: str(obj(call?.customer)?.number) ?? str(obj(message?.customer)?.number),
    createdAt: isoOrUndefined(call?.createdAt),
    startedAt: isoOrUndefined(call?.startedAt),
    endedAt: isoOrUndefined(call?.endedAt),
  });
}

/** An id short enough to index (see `MAX_ID_LENGTH`); anything longer is not a VAPI id. */
function id(value: unknown): string | undefined {
  const text = str(value);
  return text !== undefined && text.length <= MAX_ID_LENGTH ? text : undefined;
}

/** `parseTimestamp`, with undefined instead of null for optional fields. */
export function isoOrUndefined(value: unknown): string | undefined {
  return parseTimestamp(value) ?? undefined;
}
