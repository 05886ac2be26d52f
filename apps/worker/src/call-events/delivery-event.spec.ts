import { callEventJob } from '@app/queue';
import { eventOfDelivery } from './delivery-event';

const body = { message: { type: 'status-update', status: 'ringing', call: { id: 'call-1' } } };

describe(eventOfDelivery.name, () => {
  it('keys a default-tenant call by its bare VAPI id', () => {
    const job = callEventJob(body, 'k1', new Date());
    expect(eventOfDelivery(job.data.payload, job.data.dedupKey)).toMatchObject({
      callId: 'call-1',
      dedupKey: 'k1',
    });
  });

  it("keys another tenant's call (and its event) within that tenant", () => {
    const job = callEventJob(body, 'k1', new Date(), 'acme');
    expect(job.opts.jobId).toBe('evt-acme/k1');
    expect(eventOfDelivery(job.data.payload, job.data.dedupKey)).toMatchObject({
      callId: 'acme/call-1',
      dedupKey: 'acme/k1',
    });
  });

  it('leaves events without a call without one', () => {
    const job = callEventJob({ message: { type: 'assistant-request' } }, 'k2', new Date(), 'acme');
    expect(eventOfDelivery(job.data.payload, job.data.dedupKey).callId).toBeNull();
  });
});
