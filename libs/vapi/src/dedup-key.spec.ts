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
