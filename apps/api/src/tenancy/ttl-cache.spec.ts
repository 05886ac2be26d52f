import { TtlCache } from './ttl-cache';

describe(TtlCache.name, () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000;
  });

  it('reuses a value for the TTL, then reloads it', async () => {
    const cache = new TtlCache<number>(10_000, clock);
    let loads = 0;
    const load = () => Promise.resolve(++loads);
    expect((await cache.get('k', load)).value).toBe(1);
    now += 9_999;
    expect((await cache.get('k', load)).value).toBe(1);
    now += 1;
    expect((await cache.get('k', load)).value).toBe(2);
  });

  it('loads every time with a TTL of zero', async () => {
    const cache = new TtlCache<number>(0, clock);
    let loads = 0;
    const load = () => Promise.resolve(++loads);
    await cache.get('k', load);
    await cache.get('k', load);
    expect(loads).toBe(2);
  });

  it('loads a key once for all the requests waiting on it', async () => {
    const cache = new TtlCache<string>(10_000, clock);
    let release!: (v: string) => void;
    let loads = 0;
    const load = () => {
      loads += 1;
      return new Promise<string>((resolve) => (release = resolve));
    };
    const waiting = [cache.get('k', load), cache.get('k', load), cache.get('k', load)];
    release('v');
    expect((await Promise.all(waiting)).map((c) => c.value)).toEqual(['v', 'v', 'v']);
    expect(loads).toBe(1);
  });

  it('serves the last value, marked stale, when a reload fails', async () => {
    const cache = new TtlCache<string>(10_000, clock);
    await cache.get('k', () => Promise.resolve('old'));
    now += 20_000;
    const down = new Error('database down');
    const cached = await cache.get('k', () => Promise.reject(down));
    expect(cached).toEqual({ value: 'old', stale: true, error: down });
    // Back up: the next request reloads.
    expect(await cache.get('k', () => Promise.resolve('new'))).toEqual({
      value: 'new',
      stale: false,
    });
  });

  it('propagates a failed load when there is no last value', async () => {
    const cache = new TtlCache<string>(10_000, clock);
    await expect(cache.get('k', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
  });

  it('caches undefined (an unknown key) like any value', async () => {
    const cache = new TtlCache<string | undefined>(10_000, clock);
    let loads = 0;
    const load = () => {
      loads += 1;
      return Promise.resolve(undefined);
    };
    await cache.get('k', load);
    await cache.get('k', load);
    expect(loads).toBe(1);
  });

  it('keeps at most maxEntries keys, dropping the oldest', async () => {
    const cache = new TtlCache<number>(10_000, clock, 2);
    let loads = 0;
    const load = () => Promise.resolve(++loads);
    await cache.get('a', load);
    await cache.get('b', load);
    await cache.get('c', load);
    await cache.get('b', load);
    expect(loads).toBe(3);
    await cache.get('a', load);
    expect(loads).toBe(4);
  });
});
