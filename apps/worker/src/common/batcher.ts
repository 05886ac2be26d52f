/** The outcome of one item of a batch. */
export type BatchOutcome<Out> = { ok: true; result: Out } | { ok: false; error: Error };

/** When a batch is cut. */
export interface BatcherOptions {
  /** Cut as soon as this many items wait. */
  maxSize: number;
  /** Cut this long after the first item of a batch arrived, however many wait. */
  maxWaitMs: number;
}

interface Pending<In, Out> {
  item: In;
  resolve: (result: Out) => void;
  reject: (error: Error) => void;
}

/**
 * Gathers items handed in one by one (each caller awaits its own promise) into batches cut at
 * `maxSize` items or `maxWaitMs` after the first, whichever comes first, and settles each
 * caller with its own item's outcome once `run` has finished the batch. Batches run
 * concurrently with the gathering of the next one; `run` must return one outcome per item, in
 * order, and should not throw (if it does, every item of the batch fails with that error).
 */
export class Batcher<In, Out> {
  private pending: Pending<In, Out>[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly run: (items: In[]) => Promise<BatchOutcome<Out>[]>,
    private readonly options: BatcherOptions,
  ) {}

  /** Adds an item to the next batch; settles with that item's outcome. */
  add(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.options.maxSize) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.options.maxWaitMs);
    });
  }

  /** Items waiting for their batch to be cut. */
  get waiting(): number {
    return this.pending.length;
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    void this.run(batch.map((p) => p.item)).then(
      (outcomes) =>
        batch.forEach((p, i) => {
          const outcome = outcomes[i];
          if (outcome === undefined) p.reject(new Error('batch returned no outcome for this item'));
          else if (outcome.ok) p.resolve(outcome.result);
          else p.reject(outcome.error);
        }),
      (error: unknown) => {
        const failure = error instanceof Error ? error : new Error(String(error));
        batch.forEach((p) => p.reject(failure));
      },
    );
  }
}
