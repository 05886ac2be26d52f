import { splitTenantKey, tenantKey } from '@app/database';
import { normalizeWebhook, type CallEvent } from '@app/vapi';

/**
 * A delivery (queued or logged) as an event: its payload normalised, its call keyed within the
 * tenant its dedup key names. Everything downstream (rows, follow-up jobs, the feed) then keeps
 * tenants apart without knowing about them.
 */
export function eventOfDelivery(payload: unknown, dedupKey: string): CallEvent {
  const event = normalizeWebhook(payload, dedupKey);
  const { tenantId } = splitTenantKey(dedupKey);
  const callId = event.callId === null ? null : tenantKey(tenantId, event.callId);
  return { ...event, callId, dedupKey };
}
