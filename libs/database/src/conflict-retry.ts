/**
 * SQLSTATEs of a transaction Postgres rolled back whole because of other transactions, not
 * because of its own content: a deadlock victim (40P01) and a serialisation failure (40001).
 * Run again as it was, such a transaction normally succeeds.
 */
const CONFLICT_CODES = new Set(['40P01', '40001']);

/** How often a transaction is run when Postgres keeps aborting it for a conflict. */
export const CONFLICT_ATTEMPTS = 3;

/** True when `error` is Postgres aborting a transaction for a conflict (see `CONFLICT_CODES`). */
export function isConflictAbort(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CONFLICT_CODES.has(code);
}

/**
 * Runs `transaction` (a whole transaction, begun and committed inside it) and runs it again
 * when Postgres aborted it for a conflict, up to `attempts` runs in all; any other error, or
 * the last conflict, is thrown at once. Every worker path that folds into call rows uses it:
 * their transactions lock rows that others lock too, and failing a job (or a batch of them)
 * for a deadlock that a plain rerun resolves would only cost retries and delay.
 */
export async function retryOnConflict<T>(
  transaction: () => Promise<T>,
  options: { attempts?: number; onRetry?: (error: Error, attempt: number) => void } = {},
): Promise<T> {
  const attempts = options.attempts ?? CONFLICT_ATTEMPTS;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await transaction();
    } catch (error) {
      if (attempt >= attempts || !isConflictAbort(error)) throw error;
      options.onRetry?.(error as Error, attempt);
    }
  }
}
