/**
 * Thrown by `normalizeWebhook` when a body cannot be turned into a `CallEvent`. The message says
 * exactly what is wrong, in one line, and is meant to be returned to the sender with a 400.
 */
export class WebhookValidationError extends Error {
  override readonly name = 'WebhookValidationError';
}
