/** The outcome of one item of a batch. */
export type BatchOutcome<Out> = { ok: true; result: Out } | { ok: false; error: Error };

/** When a batch is cut. */
export interface BatcherOptions {
  /** Cut as soon as this many items wait. */
  maxSize: number;
  /** Cut this long after the first item of a batch arrived, however many wait. */
  maxWaitMs: number;
  /**
   * Batches running at once (default: unbounded). A batch that is due while this many run
   * waits for one to finish, and keeps gathering items meanwhile.
   */
  maxInFlight?: number;
}

interface Pending<In, Out> {
  item: In;
  resolve: (result: Out) => void;
  reject: (error: Error) => void;
}

/**
 * Gathers items handed in one by one (each caller awaits its own promise) into batches cut at
 * `maxSize` items or `maxWaitMs` after the first, whichever comes first, and settles each
 * caller with its own item's outcome once `run` has finished the batch. `run` must return one
 * outcome per item, in order, and should not throw (if it does, every item of the batch fails
 * with that error).
 *
 * With `maxInFlight`, batching adapts to load the way group commit does: while the allowed
 * batches run, the next one keeps growing (up to `maxSize`) instead of being cut on the clock,
 * and it starts the moment a slot frees. Under light load a batch is cut after `maxWaitMs`;
 * under heavy load batches fill, so the fixed cost of a batch (a transaction, its round trips,
 * its commit) is shared by as many items as arrived while the previous one ran.
 */
export class Batcher<In, Out> {
  private pending: Pending<In, Out>[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** The gathering batch is due (full or waited long enough) but no slot was free. */
  private due = false;
  private running = 0;

  constructor(
    private readonly run: (items: In[]) => Promise<BatchOutcome<Out>[]>,
    private readonly options: BatcherOptions,
  ) {}

  /** Adds an item to the next batch; settles with that item's outcome. */
  add(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.options.maxSize) this.cut();
      else if (!this.due) this.timer ??= setTimeout(() => this.cut(), this.options.maxWaitMs);
    });
  }

  /** Items waiting for their batch to be cut. */
  get waiting(): number {
    return this.pending.length;
  }

  /** Batches running now. */
  get inFlight(): number {
    return this.running;
  }

  /** The gathering batch is due: start it now, or as soon as a running batch finishes. */
  private cut(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.due = true;
    if (this.running >= (this.options.maxInFlight ?? Infinity)) return;
    this.due = false;
    const batch = this.pending.splice(0, this.options.maxSize);
    if (batch.length === 0) return;
    this.running += 1;
    void this.run(batch.map((p) => p.item))
      .then(
        (outcomes) =>
          batch.forEach((p, i) => {
            const outcome = outcomes[i];
            if (outcome === undefined) {
              p.reject(new Error('batch returned no outcome for this item'));
            } else if (outcome.ok) p.resolve(outcome.result);
            else p.reject(outcome.error);
          }),
        (error: unknown) => {
          const failure = error instanceof Error ? error : new Error(String(error));
          batch.forEach((p) => p.reject(failure));
        },
      )
      .finally(() => {
        this.running -= 1;
        // Whatever gathered while this batch ran has waited at least that long: go now.
        if (this.pending.length > 0) this.cut();
      });
  }
}
