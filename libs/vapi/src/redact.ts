import { isJsonObject } from './json-value';

/** What a redacted value is replaced with. */
export const REDACTED = '[redacted]';

/**
 * Keys whose values are credentials: `server.secret`, `serverUrlSecret`, `twilioAuthToken`,
 * `twilioApiKey`/`twilioApiSecret`, `twilioAccountSid`, Vonage `credentialId`, bearer/OAuth
 * `token`/`clientSecret`, `Authorization`, private keys.
 */
const SENSITIVE_KEY =
  /secret|password|token|apikey|api_key|privatekey|private_key|credential|authorization|twilioaccountsid/i;
/** Cost counters (`promptTokens`, `llmCompletionTokens`, …) match `token` but are not secrets. */
const COUNTER_KEY = /tokens$/i;
/** Every value of a `headers` object (e.g. `server.headers`) may carry an auth header. */
const HEADERS_KEY = /^headers$/i;

/**
 * Replaces credential values of a parsed JSON body by `"[redacted]"`, in place, and returns it.
 * Only string/object/array values are replaced, so numeric counters stay. Expects JSON.
 */
export function redactInPlace<T>(body: T): T {
  redactValue(body);
  return body;
}

/** A redacted copy of a parsed JSON body, leaving the input untouched (see `redactInPlace`). */
export function redactPayload(body: unknown): unknown {
  return redactInPlace(structuredClone(body));
}

function redactValue(value: unknown): void {
  if (Array.isArray(value)) {
    for (const item of value) redactValue(item);
    return;
  }
  if (!isJsonObject(value)) return;
  for (const key of Object.keys(value)) {
    const inner = value[key];
    if (HEADERS_KEY.test(key) && isJsonObject(inner)) {
      // Header names stay visible for debugging; their values may be credentials.
      value[key] = Object.fromEntries(Object.keys(inner).map((name) => [name, REDACTED]));
    } else if ((HEADERS_KEY.test(key) || isSensitiveKey(key)) && isSecretShaped(inner)) {
      value[key] = REDACTED;
    } else {
      redactValue(inner);
    }
  }
}

function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key) && !COUNTER_KEY.test(key);
}

function isSecretShaped(value: unknown): boolean {
  return typeof value === 'string' || (typeof value === 'object' && value !== null);
}
