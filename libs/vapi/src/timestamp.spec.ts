import { millisBetween, parseTimestamp } from './timestamp';

describe(parseTimestamp.name, () => {
  it.each([
    [1773327916626, '2026-03-12T15:05:16.626Z'],
    ['1773327916626', '2026-03-12T15:05:16.626Z'],
    [1773327916, '2026-03-12T15:05:16.000Z'],
    ['1773327916', '2026-03-12T15:05:16.000Z'],
    ['1773327916.5', '2026-03-12T15:05:16.500Z'],
    ['2026-03-12T15:05:16.626Z', '2026-03-12T15:05:16.626Z'],
    ['2026-03-12T17:05:16.626+02:00', '2026-03-12T15:05:16.626Z'],
    ['2026-03-12T15:05:16', '2026-03-12T15:05:16.000Z'],
    [' 2026-03-12T15:05:16.626Z ', '2026-03-12T15:05:16.626Z'],
  ])('reads %j as %s', (input, expected) => {
    expect(parseTimestamp(input)).toBe(expected);
  });

  it.each([undefined, null, '', 'soon', 0, -5, Number.NaN, Infinity, {}, [], true, 1e20])(
    'gives null for %j',
    (input) => {
      expect(parseTimestamp(input)).toBeNull();
    },
  );
});

describe(millisBetween.name, () => {
  it('subtracts two timestamps in any accepted form', () => {
    expect(millisBetween('2026-03-12T15:04:09.871Z', 1773327907214)).toBe(57_343);
  });

  it('is undefined when either side is unusable', () => {
    expect(millisBetween(undefined, '2026-03-12T15:04:09.871Z')).toBeUndefined();
    expect(millisBetween('2026-03-12T15:04:09.871Z', 'later')).toBeUndefined();
  });
});
