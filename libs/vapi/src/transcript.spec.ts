import {
  normalizeRole,
  utterancesFromLegacyTranscript,
  utterancesFromMessages,
} from './transcript';

describe(normalizeRole.name, () => {
  it.each([
    ['bot', 'assistant'],
    ['assistant', 'assistant'],
    ['user', 'user'],
    ['customer', 'user'],
    ['system', 'system'],
    ['tool_calls', 'tool'],
    ['tool_call_result', 'tool'],
    ['BOT', 'assistant'],
  ])('maps %s to %s', (role, expected) => {
    expect(normalizeRole(role)).toBe(expected);
  });

  it.each(['narrator', '', 3, undefined, 'constructor'])('gives null for %j', (role) => {
    expect(normalizeRole(role)).toBeNull();
  });
});

describe(utterancesFromMessages.name, () => {
  it('is undefined when there is no message array, so callers can fall back', () => {
    expect(utterancesFromMessages(undefined)).toBeUndefined();
    expect(utterancesFromMessages({})).toBeUndefined();
    expect(utterancesFromMessages([])).toEqual([]);
  });

  it('keeps spoken turns, skips system, tool, empty and malformed items', () => {
    const utterances = utterancesFromMessages([
      { role: 'system', message: 'You are Riley', secondsFromStart: 0 },
      {
        role: 'bot',
        message: 'Hello',
        time: 1000,
        endTime: 2500,
        duration: 9999,
        secondsFromStart: 0.42,
      },
      { role: 'tool_calls', message: '', toolCalls: [] },
      { role: 'tool_call_result', result: '{}' },
      { role: 'user', message: '   ' },
      'not an object',
      null,
      { role: 'user', message: 'Hi there', duration: 1480 },
    ]);
    expect(utterances).toEqual([
      { role: 'assistant', text: 'Hello', secondsFromStart: 0.42, durationSeconds: 1.5 },
      { role: 'user', text: 'Hi there', secondsFromStart: null, durationSeconds: 1.48 },
    ]);
  });
});

describe(utterancesFromLegacyTranscript.name, () => {
  const items = [
    { timestamp: '2026-03-12T15:04:10.291Z', role: 'assistant', message: 'Thanks for calling' },
    { timestamp: '2026-03-12T15:04:15.851Z', role: 'user', message: 'Hi' },
    { role: 'user', message: 'No timestamp' },
  ];

  it('derives secondsFromStart from startedAt', () => {
    expect(utterancesFromLegacyTranscript(items, '2026-03-12T15:04:09.871Z')).toEqual([
      {
        role: 'assistant',
        text: 'Thanks for calling',
        secondsFromStart: 0.42,
        durationSeconds: null,
      },
      { role: 'user', text: 'Hi', secondsFromStart: 5.98, durationSeconds: null },
      { role: 'user', text: 'No timestamp', secondsFromStart: null, durationSeconds: null },
    ]);
  });

  it('leaves secondsFromStart null without startedAt', () => {
    const utterances = utterancesFromLegacyTranscript(items, undefined);
    expect(utterances?.map((u) => u.secondsFromStart)).toEqual([null, null, null]);
  });
});
