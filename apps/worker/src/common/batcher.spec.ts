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

describe(`${Batcher.name} with maxInFlight`, () => {
  /** A batcher whose runs finish only when the test says so. */
  function gated(options: { maxSize: number; maxWaitMs: number; maxInFlight: number }) {
    const runs: string[][] = [];
    const finishers: Array<() => void> = [];
    const batcher = new Batcher<string, string>((items) => {
      runs.push(items);
      return new Promise((resolve) =>
        finishers.push(() => resolve(items.map((item) => ({ ok: true, result: item })))),
      );
    }, options);
    const finish = async (n: number) => {
      finishers[n]();
      // Let the settled batch's callbacks (and the next cut) run.
      for (let i = 0; i < 5; i += 1) await Promise.resolve();
    };
    return { batcher, runs, finish };
  }

  it('grows the next batch while the allowed ones run, then starts it at once', async () => {
    const { batcher, runs, finish } = gated({ maxSize: 100, maxWaitMs: 1, maxInFlight: 1 });
    const first = batcher.add('a');
    await new Promise((r) => setTimeout(r, 5));
    expect(runs).toEqual([['a']]);
    // Due on the clock long ago, but the only slot is taken: they wait together.
    const rest = ['b', 'c', 'd'].map((item) => batcher.add(item));
    await new Promise((r) => setTimeout(r, 5));
    expect(runs).toEqual([['a']]);
    expect(batcher.waiting).toBe(3);
    expect(batcher.inFlight).toBe(1);
    await finish(0);
    await expect(first).resolves.toBe('a');
    expect(runs).toEqual([['a'], ['b', 'c', 'd']]);
    await finish(1);
    await expect(Promise.all(rest)).resolves.toEqual(['b', 'c', 'd']);
    expect(batcher.inFlight).toBe(0);
  });

  it('never runs more batches at once than allowed, and none larger than maxSize', async () => {
    const { batcher, runs, finish } = gated({ maxSize: 2, maxWaitMs: 60_000, maxInFlight: 2 });
    const all = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((item) => batcher.add(item));
    expect(runs).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    expect(batcher.waiting).toBe(3);
    await finish(0);
    expect(runs).toEqual([
      ['a', 'b'],
      ['c', 'd'],
      ['e', 'f'],
    ]);
    expect(batcher.inFlight).toBe(2);
    await finish(1);
    // The last item was only gathering, but a slot freed: it goes without waiting a minute.
    expect(runs[3]).toEqual(['g']);
    await finish(2);
    await finish(3);
    await expect(Promise.all(all)).resolves.toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  });
});
