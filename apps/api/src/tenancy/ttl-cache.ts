/** What `TtlCache.get` returns: the value and, when it is stale, why it could not be reloaded. */
export interface Cached<V> {
  value: V;
  stale: boolean;
  error?: unknown;
}

/**
 * A small cache of what authentication reads from the database: a value is reused for `ttlMs`,
 * then reloaded (one load per key at a time, however many requests wait for it). When a reload
 * fails, the last value is served as stale rather than failing requests that Postgres being
 * down would not otherwise affect; with no last value the error propagates.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; loadedAt: number }>();
  private readonly loading = new Map<string, Promise<V>>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 10_000,
  ) {}

  async get(key: string, load: () => Promise<V>): Promise<Cached<V>> {
    const entry = this.entries.get(key);
    if (entry !== undefined && this.now() - entry.loadedAt < this.ttlMs) {
      return { value: entry.value, stale: false };
    }
    try {
      return { value: await this.reload(key, load), stale: false };
    } catch (error) {
      const last = this.entries.get(key);
      if (last === undefined) throw error;
      return { value: last.value, stale: true, error };
    }
  }

  /** Forgets everything (tests, and whoever knows the data changed). */
  clear(): void {
    this.entries.clear();
  }

  private reload(key: string, load: () => Promise<V>): Promise<V> {
    const pending = this.loading.get(key);
    if (pending !== undefined) return pending;
    const startedAt = this.now();
    const promise = load()
      .then((value) => {
        this.entries.delete(key);
        // Bounded: a flood of distinct keys (random tokens, made-up tenants) cannot grow memory.
        if (this.entries.size >= this.maxEntries) {
          const oldest = this.entries.keys().next();
          if (oldest.done !== true) this.entries.delete(oldest.value);
        }
        // Aged from when the load started: what it read may be that old.
        this.entries.set(key, { value, loadedAt: startedAt });
        return value;
      })
      .finally(() => this.loading.delete(key));
    this.loading.set(key, promise);
    return promise;
  }
}
