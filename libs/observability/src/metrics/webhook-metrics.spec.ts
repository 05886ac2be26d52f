import { Registry } from 'prom-client';
import { sample } from '../../../../test/helpers/metrics';
import { WebhookMetrics, webhookResultOf, webhookTypeLabel } from './webhook-metrics';

describe(webhookResultOf.name, () => {
  it.each([
    [200, 'accepted'],
    [202, 'accepted'],
    [400, 'invalid'],
    [401, 'unauthorized'],
    [405, 'method_not_allowed'],
    [413, 'too_large'],
    [415, 'unsupported_media_type'],
    [503, 'unavailable'],
    [500, 'error'],
    [429, 'rejected'],
  ] as const)('maps %i to %s', (status, result) => {
    expect(webhookResultOf(status)).toBe(result);
  });
});

describe(webhookTypeLabel.name, () => {
  it('keeps known kinds, folds the rest into "other", and says "unknown" when unparsed', () => {
    expect(webhookTypeLabel('end-of-call-report')).toBe('end-of-call-report');
    expect(webhookTypeLabel('other')).toBe('other');
    expect(webhookTypeLabel('model-output')).toBe('other');
    expect(webhookTypeLabel(undefined)).toBe('unknown');
  });
});

describe(WebhookMetrics.name, () => {
  it('counts requests by type and result and observes their duration by result', async () => {
    const registry = new Registry();
    const metrics = new WebhookMetrics(registry);
    metrics.observeRequest('status-update', 200, 0.004);
    metrics.observeRequest('status-update', 200, 0.02);
    metrics.observeRequest(undefined, 401, 0.001);
    metrics.observeRequest('made-up-type', 503, 2);
    const text = await registry.metrics();
    const requests = (type: string, result: string) =>
      sample(text, 'vapi_webhook_requests_total', { type, result });
    expect(requests('status-update', 'accepted')).toBe(2);
    expect(requests('unknown', 'unauthorized')).toBe(1);
    expect(requests('other', 'unavailable')).toBe(1);
    expect(text).not.toContain('made-up-type');
    const bucket = (le: string) =>
      sample(text, 'vapi_webhook_intake_duration_seconds_bucket', { le, result: 'accepted' });
    expect(bucket('0.005')).toBe(1);
    expect(bucket('0.025')).toBe(2);
    expect(sample(text, 'vapi_webhook_intake_duration_seconds_count', { result: 'accepted' })).toBe(
      2,
    );
    expect(
      sample(text, 'vapi_webhook_intake_duration_seconds_sum', { result: 'unavailable' }),
    ).toBe(2);
  });

  it('counts auth failures by mode, "missing" when nothing was presented', async () => {
    const registry = new Registry();
    const metrics = new WebhookMetrics(registry);
    metrics.countAuthFailure('hmac');
    metrics.countAuthFailure('hmac');
    metrics.countAuthFailure(undefined);
    metrics.countAuthFailure('something-new');
    const text = await registry.metrics();
    const failures = (mode: string) => sample(text, 'vapi_webhook_auth_failures_total', { mode });
    expect(failures('hmac')).toBe(2);
    expect(failures('missing')).toBe(1);
    expect(failures('other')).toBe(1);
    expect(text).not.toContain('something-new');
  });
});
