/**
 * Thrown by `normalizeWebhook` when a body cannot be turned into a `CallEvent`. The message says
 * exactly what is wrong, in one line, and is meant to be returned to the sender with a 400.
 */
export class WebhookValidationError extends Error {
  override readonly name = 'WebhookValidationError';
}

/**
 * A call id as the event log may key it: a tenant's calls are stored under `<tenant>/<id>`, so an
 * id holding `/` could name another tenant's call. VAPI's ids are UUIDs; anything else with a
 * slash is refused.
 */
export function checkedCallId(id: string | undefined, field: string): string | undefined {
  if (id !== undefined && id.includes('/')) {
    throw new WebhookValidationError(`${field} must not contain '/'`);
  }
  return id;
}
