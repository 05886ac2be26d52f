import { createHash } from 'node:crypto';
import {
  canonicalJson,
  computeDedupKey,
  stableMessageHash,
  type UnkeyedCallEvent,
} from './dedup-key';

const base: UnkeyedCallEvent = {
  kind: 'recording-ready',
  messageType: 'recording.ready',
  callId: 'call-1',
  occurredAt: null,
  call: {},
};

describe(canonicalJson.name, () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,1]},"b":1}',
    );
    expect(canonicalJson(undefined)).toBe('null');
  });
});

describe(stableMessageHash.name, () => {
  it('ignores artifact, presigned* keys at any depth and the message timestamp', () => {
    const plain = { type: 'hang', call: { id: 'c', status: 'in-progress' } };
    expect(
      stableMessageHash({
        timestamp: 1,
        ...plain,
        artifact: { messages: [] },
        presignedUrl: 'x',
        call: { ...plain.call, artifact: { a: 1 }, PresignedStereoUrl: 'y' },
      }),
    ).toBe(stableMessageHash(plain));
  });

  it('changes with any other content', () => {
    expect(stableMessageHash({ type: 'hang', turn: 1 })).not.toBe(
      stableMessageHash({ type: 'hang', turn: 2 }),
    );
  });
});

describe(computeDedupKey.name, () => {
  it('orders recordings before hashing, so their order does not matter', () => {
    const a = { kind: 'mono' as const, url: 'https://r/a.wav' };
    const b = { kind: 'stereo' as const, url: 'https://r/b.wav' };
    expect(computeDedupKey({ ...base, recordings: [a, b] }, {})).toBe(
      computeDedupKey({ ...base, recordings: [b, a] }, {}),
    );
    expect(computeDedupKey({ ...base, recordings: [a] }, {})).not.toBe(
      computeDedupKey({ ...base, recordings: [a, b] }, {}),
    );
  });

  it('is the same for an end-of-call report whatever else it carries', () => {
    const report: UnkeyedCallEvent = { ...base, kind: 'end-of-call-report', messageType: 'x' };
    expect(computeDedupKey(report, { a: 1 })).toBe(
      computeDedupKey(
        { ...report, occurredAt: '2026-01-01T00:00:00.000Z', messageType: 'y' },
        { a: 2 },
      ),
    );
  });

  it('keeps kinds apart even when the rest is equal', () => {
    const hang = computeDedupKey({ ...base, kind: 'hang', messageType: 'hang' }, {});
    const other = computeDedupKey({ ...base, kind: 'other', messageType: 'hang' }, {});
    expect(hang).not.toBe(other);
  });

  it('only uses characters BullMQ job ids and Postgres text keys take', () => {
    expect(computeDedupKey(base, {})).toMatch(/^[a-f0-9]{64}$/);
  });
});

describe('stableMessageHash against the copying original', () => {
  // The implementation keys were first computed with (before the intake was slimmed).
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  const stripVolatile = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(stripVolatile);
    if (!isObject(value)) return value;
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'artifact' || key.toLowerCase().startsWith('presigned')) continue;
      out[key] = stripVolatile(inner);
    }
    return out;
  };
  const sortKeys = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(sortKeys);
    if (!isObject(value)) return value;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys(value[key]);
    return out;
  };
  const original = (message: unknown): string => {
    const stripped = stripVolatile(message);
    if (isObject(stripped)) delete stripped.timestamp;
    return createHash('sha256')
      .update(JSON.stringify(sortKeys(stripped) ?? null))
      .digest('hex');
  };

  /** Deterministic pseudo-random JSON with the keys that make ordering and stripping tricky. */
  const KEYS = [
    'b',
    'a',
    '10',
    '2',
    '0',
    '01',
    '-1',
    '4294967295',
    '4294967294',
    'Z',
    'é',
    '__proto__',
    'artifact',
    'presignedUrl',
    'PreSignedX',
    'timestamp',
    'call',
    'messages',
    '',
  ];
  const generate = (seed: number): unknown => {
    let state = seed;
    const rand = (n: number): number => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state % n;
    };
    const value = (depth: number): unknown => {
      switch (depth > 3 ? rand(4) : rand(7)) {
        case 0:
          return rand(3) === 0 ? null : rand(2) === 0;
        case 1:
          return rand(1000) - 500 + rand(7) / 8;
        case 2:
          return ['x', 'ü\n"q"', '', '\u2028'][rand(4)];
        case 3:
          return rand(2) === 0 ? 'text' : 1e21;
        case 4:
        case 5: {
          const text = `{${Array.from({ length: rand(6) }, () => `${JSON.stringify(KEYS[rand(KEYS.length)])}:${JSON.stringify(value(depth + 1))}`).join(',')}}`;
          return JSON.parse(text) as unknown;
        }
        default:
          return Array.from({ length: rand(4) }, () => value(depth + 1));
      }
    };
    return value(0);
  };

  it('gives the same hash for 2,000 generated values and every fixture-like message', () => {
    for (let seed = 1; seed <= 2000; seed += 1) {
      const input = generate(seed);
      expect([seed, stableMessageHash(input)]).toEqual([seed, original(input)]);
    }
    const message = JSON.parse(
      '{"timestamp":1,"10":1,"2":{"__proto__":{"x":1},"b":[1,{"presignedA":2,"c":3}]},"type":"hang"}',
    ) as unknown;
    expect(stableMessageHash(message)).toBe(original(message));
    expect(stableMessageHash(undefined)).toBe(original(undefined));
  });
});
