import { Counter, Histogram, Registry } from 'prom-client';
import { OTHER } from './labels';

/** How a webhook request ended, from its HTTP status. */
export type WebhookResult =
  | 'accepted'
  | 'invalid'
  | 'unauthorized'
  | 'method_not_allowed'
  | 'too_large'
  | 'unsupported_media_type'
  | 'unavailable'
  | 'rejected'
  | 'error';

/** Type label of a request whose body was never read (rejected before parsing). */
export const UNKNOWN_TYPE = 'unknown';

const MESSAGE_KINDS = new Set([
  'status-update',
  'end-of-call-report',
  'transcript',
  'conversation-update',
  'recording-ready',
  'speech-update',
  'hang',
  'user-interrupted',
  'tool-calls',
  'assistant-request',
  'transfer-destination-request',
  'knowledge-base-request',
]);

const AUTH_MODES = new Set(['legacy-secret', 'bearer', 'hmac']);

/** The result label for a webhook response status. */
export function webhookResultOf(statusCode: number): WebhookResult {
  if (statusCode < 300) return 'accepted';
  switch (statusCode) {
    case 400:
      return 'invalid';
    case 401:
      return 'unauthorized';
    case 405:
      return 'method_not_allowed';
    case 413:
      return 'too_large';
    case 415:
      return 'unsupported_media_type';
    case 503:
      return 'unavailable';
    default:
      return statusCode >= 500 ? 'error' : 'rejected';
  }
}

/** A message kind as a label: a known `CallEventKind`, `other`, or `unknown` when not parsed. */
export function webhookTypeLabel(kind: string | undefined): string {
  if (kind === undefined) return UNKNOWN_TYPE;
  return MESSAGE_KINDS.has(kind) ? kind : OTHER;
}

/** Intake metrics of the api: requests by type and result, auth failures, intake latency. */
export class WebhookMetrics {
  private readonly requests: Counter<'type' | 'result'>;
  private readonly authFailures: Counter<'mode'>;
  private readonly duration: Histogram<'result'>;
  /**
   * Label sets by kind, then status code: each request of the steady state reuses its objects
   * instead of mapping its kind and status and allocating two label objects.
   */
  private readonly labelSets = new Map<
    string | undefined,
    Map<number, { request: { type: string; result: string }; duration: { result: string } }>
  >();

  constructor(registry: Registry) {
    this.requests = new Counter({
      name: 'vapi_webhook_requests_total',
      help: 'Webhook requests by message type and result (accepted, invalid, unauthorized, unavailable, too_large, ...)',
      labelNames: ['type', 'result'],
      registers: [registry],
    });
    this.authFailures = new Counter({
      name: 'vapi_webhook_auth_failures_total',
      help: 'Webhook requests rejected by authentication, by the mode that was attempted (missing: no credential)',
      labelNames: ['mode'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'vapi_webhook_intake_duration_seconds',
      help: 'Time from receiving a webhook request to replying, by result',
      labelNames: ['result'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
  }

  /** One answered webhook request; `kind` is undefined when the body was never parsed. */
  observeRequest(kind: string | undefined, statusCode: number, seconds: number): void {
    let byStatus = this.labelSets.get(kind);
    if (byStatus === undefined) {
      // Unknown kinds share one entry, so a sender cannot grow the cache with made-up types.
      const type = webhookTypeLabel(kind);
      byStatus = this.labelSets.get(type) ?? new Map();
      if (type === kind || type !== OTHER) this.labelSets.set(kind, byStatus);
      this.labelSets.set(type, byStatus);
    }
    let labels = byStatus.get(statusCode);
    if (labels === undefined) {
      const result = webhookResultOf(statusCode);
      labels = { request: { type: webhookTypeLabel(kind), result }, duration: { result } };
      // Status codes are the few the api answers with; bound anyway.
      if (byStatus.size < 64) byStatus.set(statusCode, labels);
    }
    this.requests.inc(labels.request);
    this.duration.observe(labels.duration, seconds);
  }

  /** One authentication failure; `mode` is undefined when no credential was presented. */
  countAuthFailure(mode: string | undefined): void {
    this.authFailures.inc({
      mode: mode === undefined ? 'missing' : AUTH_MODES.has(mode) ? mode : OTHER,
    });
  }
}
