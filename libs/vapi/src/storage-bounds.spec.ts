import { normalizeWebhook } from './normalize-webhook';
import { parseTimestamp } from './timestamp';

const CALL_ID = '0b5e55ed-0000-4000-8000-00000000beef';

const report = (fields: Record<string, unknown>, call: Record<string, unknown> = {}) =>
  normalizeWebhook({
    message: { type: 'end-of-call-report', ...fields, call: { id: CALL_ID, ...call } },
  });

/**
 * Values an intake could acknowledge but Postgres could never store: each was found by
 * test/integration/hostile-jobs.int-spec.ts failing a job after its 200. They are read as
 * unusable (or, for the call id, refused) instead.
 */
describe('values the database cannot hold', () => {
  // Shrunk: {"message":{"timestamp":"+275760-09-13T00:00:00.000Z","type":"transfer-destination-request",…}}
  // failed its job with "time zone displacement out of range" (SQLSTATE 22009).
  it.each([
    '+275760-09-13T00:00:00.000Z',
    '-271821-04-20T00:00:00.000Z',
    '+010000-01-01T00:00:00.000Z',
    '1969-12-31T23:59:59Z',
    8.64e15,
  ])('reads %p as no timestamp', (value) => {
    expect(parseTimestamp(value)).toBeNull();
    expect(report({ timestamp: value, startedAt: value }).occurredAt).toBeNull();
  });

  it('keeps the edges of the range', () => {
    expect(parseTimestamp('9999-12-31T23:59:59.999Z')).toBe('9999-12-31T23:59:59.999Z');
    expect(parseTimestamp('1970-01-01T00:00:00.001Z')).toBe('1970-01-01T00:00:00.001Z');
  });

  it('refuses a call id too long to index, and drops such an assistant id', () => {
    expect(() => report({}, { id: 'x'.repeat(256) })).toThrow(
      'message.call.id must be at most 255 characters',
    );
    expect(() => normalizeWebhook({ type: 'call.started', call: { id: 'y'.repeat(300) } })).toThrow(
      'call.id must be at most 255 characters',
    );
    expect(report({}, { assistantId: 'a'.repeat(70_000) }).call.assistantId).toBeUndefined();
    expect(report({}, { assistantId: 'a'.repeat(255) }).call.assistantId).toHaveLength(255);
  });

  it.each([
    [{ cost: 1e21 }, undefined],
    [{ cost: 99_999_999.9999999 }, undefined],
    [{ cost: '123456789012' }, undefined],
    [{ cost: Number.MAX_VALUE }, undefined],
    [{ cost: 12.5 }, '12.5'],
  ])('bounds the cost to numeric(14,6): %p', (fields, cost) => {
    expect(report(fields).report?.cost).toBe(cost);
  });

  it.each([
    [{ durationSeconds: Number.MAX_SAFE_INTEGER }, undefined],
    [{ durationSeconds: 999_999_999.9999 }, undefined],
    [{ durationMs: 1e15 }, undefined],
    [{ durationSeconds: 125.5 }, 125.5],
  ])('bounds the duration to numeric(12,3): %p', (fields, seconds) => {
    expect(report(fields).report?.durationSeconds).toBe(seconds);
  });
});
