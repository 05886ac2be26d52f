import { normalizeWebhook } from '@app/vapi';
import { fixture } from '../../../../test/helpers/fixtures';
import { endOfCallReportFromCall, type VapiCall } from './end-of-call-report';

/** The fixture report's `call`: a full Call object, as `GET /call/{id}` returns one. */
const reportBody = (): { message: { call: VapiCall } } =>
  fixture<{ message: { call: VapiCall } }>('end-of-call-report.json');

describe(endOfCallReportFromCall.name, () => {
  it('normalises to the real report’s event: same dedup key, same report', () => {
    const body = reportBody();
    const real = normalizeWebhook(body);
    const synthesised = normalizeWebhook(endOfCallReportFromCall(body.message.call));
    expect(synthesised.dedupKey).toBe(real.dedupKey);
    expect(synthesised.kind).toBe('end-of-call-report');
    expect(synthesised.status).toBe('ended');
    expect(synthesised.report).toEqual(real.report);
    expect(synthesised.recordings).toEqual(real.recordings);
    expect(synthesised.call).toEqual(real.call);
    expect(synthesised.report?.summary).toMatch(/^Dana Whitfield called/);
    expect(synthesised.report?.cost).toBe('0.0971');
  });

  it('dates the report by the call’s updatedAt, else its endedAt', () => {
    const call = reportBody().message.call;
    expect(normalizeWebhook(endOfCallReportFromCall(call)).occurredAt).toBe(call.updatedAt);
    const { updatedAt: _updatedAt, ...withoutUpdatedAt } = call;
    expect(normalizeWebhook(endOfCallReportFromCall(withoutUpdatedAt)).occurredAt).toBe(
      '2026-03-12T15:05:07.214Z',
    );
    const bare = endOfCallReportFromCall({ id: 'c1', status: 'ended' });
    expect(bare.message).toEqual({
      type: 'end-of-call-report',
      call: { id: 'c1', status: 'ended' },
    });
    expect(normalizeWebhook(bare).occurredAt).toBeNull();
  });

  it('copies the report fields the call has to the top level, and no empty ones', () => {
    const { message } = endOfCallReportFromCall({
      id: 'c2',
      endedReason: 'customer-did-not-answer',
      cost: 0,
      analysis: null,
      artifact: { messages: [] },
    });
    expect(message).toMatchObject({
      endedReason: 'customer-did-not-answer',
      cost: 0,
      artifact: { messages: [] },
    });
    expect(message).not.toHaveProperty('analysis');
    expect(message).not.toHaveProperty('startedAt');
  });
});
