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
 * A deep copy of a parsed JSON body with credential values replaced by `"[redacted]"`, for
 * storing and logging. Only string/object/array values are replaced, so numeric counters stay.
 * Does not mutate its input. Expects JSON (no cycles).
 */
export function redactPayload(body: unknown): unknown {
  if (Array.isArray(body)) return body.map((item) => redactPayload(item));
  if (!isJsonObject(body)) return body;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (HEADERS_KEY.test(key) && isJsonObject(value)) {
      // Header names stay visible for debugging; their values may be credentials.
      out[key] = Object.fromEntries(Object.keys(value).map((name) => [name, REDACTED]));
    } else if ((HEADERS_KEY.test(key) || isSensitiveKey(key)) && isSecretShaped(value)) {
      out[key] = REDACTED;
    } else {
      out[key] = redactPayload(value);
    }
  }
  return out;
}

function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key) && !COUNTER_KEY.test(key);
}

function isSecretShaped(value: unknown): boolean {
  return typeof value === 'string' || (typeof value === 'object' && value !== null);
}
