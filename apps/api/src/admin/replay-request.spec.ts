import { BadRequestException } from '@nestjs/common';
import { MAX_REPLAY_CALL_IDS, parseReplayRequest } from './replay-request';

describe(parseReplayRequest.name, () => {
  it('reads call ids from the body and does both steps when neither is named', () => {
    expect(parseReplayRequest({ callIds: ['a', 'b', 'a', ' '] }, {})).toEqual({
      callIds: ['a', 'b'],
      range: undefined,
      options: { rederive: true, followups: true, force: false },
    });
  });

  it('reads a range and flags from the query string, comma-separated ids included', () => {
    expect(
      parseReplayRequest(undefined, {
        callIds: 'a,b',
        from: '2026-03-12T00:00:00+01:00',
        to: '2026-03-13T00:00:00Z',
        followups: 'true',
        force: '1',
      }),
    ).toEqual({
      callIds: ['a', 'b'],
      range: { from: '2026-03-11T23:00:00.000Z', to: '2026-03-13T00:00:00.000Z' },
      options: { rederive: false, followups: true, force: true },
    });
  });

  it('lets the body win over the query string', () => {
    const parsed = parseReplayRequest({ callIds: ['body'], rederive: true }, { callIds: 'query' });
    expect(parsed.callIds).toEqual(['body']);
    expect(parsed.options).toEqual({ rederive: true, followups: false, force: false });
  });

  it.each<[string, unknown, unknown, RegExp]>([
    ['no selection', {}, {}, /Name the calls/],
    ['a body that is not an object', ['a'], {}, /must be a JSON object/],
    ['an unknown field', { callId: 'a' }, {}, /Unknown field\(s\): callId/],
    ['ids that are not strings', { callIds: [1] }, {}, /array of strings/],
    ['from without to', { from: '2026-03-12T00:00:00Z' }, {}, /both from and to/],
    ['an unparsable time', { from: 'yesterday', to: '2026-03-12T00:00:00Z' }, {}, /from must be/],
    ['a range that ends first', { from: '2026-03-13', to: '2026-03-12' }, {}, /before to/],
    ['a flag that is not a boolean', { callIds: ['a'], force: 'yes' }, {}, /force must be/],
    ['nothing to do', { callIds: ['a'], rederive: false, followups: false }, {}, /Nothing to do/],
    [
      'too many ids',
      { callIds: Array.from({ length: MAX_REPLAY_CALL_IDS + 1 }, (_, i) => `c${i}`) },
      {},
      /At most/,
    ],
  ])('rejects %s', (_label, body, query, message) => {
    expect(() => parseReplayRequest(body, query)).toThrow(BadRequestException);
    expect(() => parseReplayRequest(body, query)).toThrow(message);
  });
});
