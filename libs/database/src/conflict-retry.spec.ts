import { CONFLICT_ATTEMPTS, isConflictAbort, retryOnConflict } from './conflict-retry';

const abort = (code: string) => Object.assign(new Error(`aborted ${code}`), { code });

describe(retryOnConflict.name, () => {
  it('runs a transaction again after a deadlock or serialisation abort', async () => {
    for (const code of ['40P01', '40001']) {
      const retried: number[] = [];
      let runs = 0;
      const result = await retryOnConflict(
        () => {
          runs += 1;
          return runs === 1 ? Promise.reject(abort(code)) : Promise.resolve('committed');
        },
        { onRetry: (_error, attempt) => retried.push(attempt) },
      );
      expect(result).toBe('committed');
      expect(runs).toBe(2);
      expect(retried).toEqual([1]);
    }
  });

  it('throws any other error at once', async () => {
    let runs = 0;
    await expect(
      retryOnConflict(() => {
        runs += 1;
        return Promise.reject(abort('42703'));
      }),
    ).rejects.toThrow('aborted 42703');
    expect(runs).toBe(1);
  });

  it('gives up after the last attempt with the conflict itself', async () => {
    let runs = 0;
    await expect(
      retryOnConflict(() => {
        runs += 1;
        return Promise.reject(abort('40P01'));
      }),
    ).rejects.toThrow('aborted 40P01');
    expect(runs).toBe(CONFLICT_ATTEMPTS);
  });

  it('tells conflicts from other failures', () => {
    expect(isConflictAbort(abort('40P01'))).toBe(true);
    expect(isConflictAbort(abort('40001'))).toBe(true);
    expect(isConflictAbort(abort('23505'))).toBe(false);
    expect(isConflictAbort(new Error('no code'))).toBe(false);
    expect(isConflictAbort(null)).toBe(false);
  });
});
