import fc from 'fast-check';
import { identifyWebhook, normalizeWebhook } from './normalize-webhook';
import { MAX_BODY_DEPTH, assertStorableJson } from './storable-json';
import { WebhookValidationError } from './webhook-validation.error';

/** `{"a":{"a":…inner…}}`, `levels` objects deep, built from text as a sender would send it. */
const nested = (levels: number, inner: string): unknown =>
  JSON.parse(`${'{"a":'.repeat(levels)}${inner}${'}'.repeat(levels)}`);

const statusUpdate = (callType: unknown): unknown => ({
  message: {
    timestamp: '1735689600',
    type: 'status-update',
    status: 'scheduled',
    call: { id: '00000000-0000-1000-8000-000000000000', type: callType },
  },
});

describe(assertStorableJson.name, () => {
  // Shrunk by test/fuzz (seed -1364447621): a 10,000-deep value overflowed the stack while the
  // dedup key was hashed, and the api answered 500.
  it('refuses a body nested 10,000 deep with a validation error instead of overflowing', () => {
    const body = statusUpdate(nested(10_000, '1'));
    expect(() => normalizeWebhook(body)).toThrow(WebhookValidationError);
    expect(() => normalizeWebhook(body)).toThrow(/nested deeper than 64 levels \(at message\.call/);
  });

  it('accepts nesting up to the limit, as deep as any real VAPI body and more', () => {
    // The body, message and call objects are three levels above the nested value.
    const body = statusUpdate(nested(MAX_BODY_DEPTH - 3, '1'));
    expect(() => assertStorableJson(body)).not.toThrow();
    expect(() => assertStorableJson(statusUpdate(nested(MAX_BODY_DEPTH - 2, '1')))).toThrow(
      /nested deeper/,
    );
  });

  it('counts arrays as levels too', () => {
    const body = JSON.parse(`{"message":${'['.repeat(100)}${']'.repeat(100)}}`) as unknown;
    expect(() => assertStorableJson(body)).toThrow(/nested deeper than 64 levels/);
  });

  // jsonb refuses both, so such a body would be acknowledged and then fail in every retry.
  it.each([
    [
      'a NUL in a value',
      '{"message":{"type":"hang","call":{"id":"c1"},"note":"a\\u0000b"}}',
      /NUL character \(\\u0000\) at message\.note/,
    ],
    [
      'a NUL in a key',
      '{"message":{"type":"hang","call":{"id":"c1"},"x\\u0000":1}}',
      /NUL character/,
    ],
    [
      'a lone high surrogate',
      '{"message":{"type":"transcript","role":"user","transcript":"\\ud83d","call":{"id":"c1"}}}',
      /lone UTF-16 surrogate at message\.transcript/,
    ],
    [
      'a lone low surrogate in an array',
      '{"message":{"type":"hang","call":{"id":"c1"},"list":["ok","\\ude00"]}}',
      /surrogate at message\.list\.1/,
    ],
  ])('refuses %s with where it is', (_name, text, reason) => {
    expect(() => normalizeWebhook(JSON.parse(text))).toThrow(reason);
    // The intake passes the text along, which must not let anything through.
    expect(() => identifyWebhook(JSON.parse(text), text)).toThrow(reason);
  });

  it('decides the same with the source text as without, on generated values', () => {
    // Strings of any UTF-16 code units (NULs and lone surrogates included), keys too, nested.
    const text = fc.string({ unit: 'binary', maxLength: 6 });
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        text,
        fc.integer(),
        fc.constant(null),
        fc.array(tie('node'), { maxLength: 3 }),
        fc.dictionary(text, tie('node'), { maxKeys: 3 }),
      ),
    })).node;
    const outcome = (run: () => void): string => {
      try {
        run();
        return 'ok';
      } catch (error) {
        return error instanceof Error ? error.message : String(error);
      }
    };
    fc.assert(
      fc.property(value, (v) => {
        const source = JSON.stringify({ message: v });
        const parsed = JSON.parse(source) as unknown;
        expect(outcome(() => assertStorableJson(parsed, source))).toBe(
          outcome(() => assertStorableJson(parsed)),
        );
      }),
      { numRuns: 3000 },
    );
  });

  it('accepts astral characters written as surrogate pairs', () => {
    const body = JSON.parse(
      '{"message":{"type":"transcript","role":"user","transcript":"\\ud83d\\ude00 hi","call":{"id":"c1"}}}',
    ) as unknown;
    expect(normalizeWebhook(body).utterance?.text).toBe('😀 hi');
  });
});
