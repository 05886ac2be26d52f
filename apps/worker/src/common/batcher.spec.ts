import { Batcher, type BatchOutcome } from './batcher';

describe(Batcher.name, () => {
  afterEach(() => jest.useRealTimers());

  /** A batcher whose runs are recorded; items named `bad…` fail, the rest double. */
  function recording(maxSize: number, maxWaitMs: number) {
    const runs: string[][] = [];
    const batcher = new Batcher<string, string>(
      (items) => {
        runs.push(items);
        return Promise.resolve(
          items.map((item): BatchOutcome<string> =>
            item.startsWith('bad')
              ? { ok: false, error: new Error(`${item} failed`) }
              : { ok: true, result: item + item },
          ),
        );
      },
      { maxSize, maxWaitMs },
    );
    return { batcher, runs };
  }

  it('cuts a batch as soon as it is full, without waiting', async () => {
    jest.useFakeTimers();
    const { batcher, runs } = recording(3, 60_000);
    const results = Promise.all(['a', 'b', 'c'].map((item) => batcher.add(item)));
    await expect(results).resolves.toEqual(['aa', 'bb', 'cc']);
    expect(runs).toEqual([['a', 'b', 'c']]);
  });

  it('cuts a partial batch once the wait has passed since its first item', async () => {
    jest.useFakeTimers();
    const { batcher, runs } = recording(100, 10);
    const first = batcher.add('a');
    const second = batcher.add('b');
    expect(runs).toEqual([]);
    expect(batcher.waiting).toBe(2);
    jest.advanceTimersByTime(10);
    await expect(Promise.all([first, second])).resolves.toEqual(['aa', 'bb']);
    expect(runs).toEqual([['a', 'b']]);
    const third = batcher.add('c');
    jest.advanceTimersByTime(10);
    await expect(third).resolves.toBe('cc');
    expect(runs).toEqual([['a', 'b'], ['c']]);
  });

  it('settles each caller with its own outcome', async () => {
    const { batcher } = recording(3, 5);
    const settled = await Promise.allSettled(['a', 'bad-1', 'c'].map((i) => batcher.add(i)));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason).toEqual(new Error('bad-1 failed'));
  });

  it('fails the whole batch when the run itself throws', async () => {
    const batcher = new Batcher<string, string>(() => Promise.reject(new Error('down')), {
      maxSize: 2,
      maxWaitMs: 5,
    });
    const settled = await Promise.allSettled([batcher.add('a'), batcher.add('b')]);
    expect(settled.map((s) => (s.status === 'rejected' ? String(s.reason) : 'ok'))).toEqual([
      'Error: down',
      'Error: down',
    ]);
  });
});
