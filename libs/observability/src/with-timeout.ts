/**
 * Rejects when `promise` has not settled after `ms` (the promise itself is left to settle).
 *
 * When the timer fires, the verdict waits for the rest of that event-loop turn: after a stall
 * (a long synchronous task, a GC pause, a starved CPU) the timer and the answer it guards are
 * often both due at once, and timers run before I/O callbacks. Without that, a stalled loop
 * reads as a slow database or Redis, and the caller answers 503 for a reply already received.
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let check: NodeJS.Immediate | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      check = setImmediate(() => reject(new Error(`${what} timed out after ${ms} ms`)));
    }, ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
    clearImmediate(check);
  }
}
