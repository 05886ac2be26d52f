import {
  UsageError,
  parsePurgeArgs,
  parseReconcileArgs,
  parseReplayArgs,
} from './maintenance-commands';

describe(parseReplayArgs.name, () => {
  it('takes repeated --call and does both steps when neither is named', () => {
    expect(parseReplayArgs(['--call', 'a', '--call', 'b', '--call', 'a'])).toEqual({
      callIds: ['a', 'b'],
      from: undefined,
      to: undefined,
      rederive: true,
      followups: true,
      force: false,
    });
  });

  it('takes a range and only the named step', () => {
    const parsed = parseReplayArgs([
      '--from',
      '2026-03-12T00:00:00Z',
      '--to=2026-03-13T00:00:00Z',
      '--followups',
    ]);
    expect(parsed.from?.toISOString()).toBe('2026-03-12T00:00:00.000Z');
    expect(parsed.to?.toISOString()).toBe('2026-03-13T00:00:00.000Z');
    expect(parsed).toMatchObject({ callIds: [], rederive: false, followups: true });
  });

  it.each<[string, string[], RegExp]>([
    ['no selection', [], /name the calls/],
    ['an empty id', ['--call', ''], /needs a call id/],
    ['from without to', ['--from', '2026-03-12T00:00:00Z'], /both --from and --to/],
    ['a bad time', ['--from', 'soon', '--to', '2026-03-12T00:00:00Z'], /--from must be/],
    ['a range that ends first', ['--from', '2026-03-13', '--to', '2026-03-12'], /before --to/],
    ['an unknown option', ['--call', 'a', '--dry-run'], /dry-run/],
    ['a positional argument', ['a'], /argument/],
  ])('rejects %s', (_label, args, message) => {
    expect(() => parseReplayArgs(args)).toThrow(UsageError);
    expect(() => parseReplayArgs(args)).toThrow(message);
  });
});

describe(parsePurgeArgs.name, () => {
  it('reads days (0 allowed) and batch size', () => {
    expect(parsePurgeArgs([])).toEqual({ days: undefined, batchSize: undefined });
    expect(parsePurgeArgs(['--days', '0', '--batch-size', '50'])).toEqual({
      days: 0,
      batchSize: 50,
    });
  });

  it('rejects a batch size below 1 and non-integers', () => {
    expect(() => parsePurgeArgs(['--batch-size', '0'])).toThrow(/--batch-size must be/);
    expect(() => parsePurgeArgs(['--days', '1.5'])).toThrow(/--days must be/);
  });
});

describe(parseReconcileArgs.name, () => {
  it('reads call ids and the stale threshold', () => {
    expect(parseReconcileArgs(['--call', 'x', '--stale-minutes', '5'])).toEqual({
      callIds: ['x'],
      staleMinutes: 5,
    });
    expect(parseReconcileArgs([])).toEqual({ callIds: [], staleMinutes: undefined });
  });

  it('rejects a zero threshold', () => {
    expect(() => parseReconcileArgs(['--stale-minutes', '0'])).toThrow(UsageError);
  });
});
