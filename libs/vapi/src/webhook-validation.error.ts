/**
 * Thrown by `normalizeWebhook` when a body cannot be turned into a `CallEvent`. The message says
 * exactly what is wrong and is safe to return to the sender (it never echoes body values).
 */
export class WebhookValidationError extends Error {
  override readonly name = 'WebhookValidationError';
}
