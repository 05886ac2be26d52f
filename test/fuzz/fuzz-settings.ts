import { randomInt } from 'node:crypto';
import fc from 'fast-check';

/**
 * How many cases each property runs and from which seed. CI runs a fixed number of cases from a
 * fresh random seed; a failure prints the seed, so `FUZZ_SEED=<seed>` (with the same `FUZZ_RUNS`)
 * replays the same cases and shrinks to the same counter-example. `FUZZ_PATH` (also printed)
 * jumps straight to the failing case.
 */
export interface FuzzSettings {
  numRuns: number;
  seed: number;
  path?: string;
}

const positiveInteger = (name: string, value: string): number => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer`);
  return n;
};

/** One seed per test process, so every property of a run reports (and replays) the same one. */
const processSeed =
  process.env.FUZZ_SEED !== undefined && process.env.FUZZ_SEED !== ''
    ? Number(process.env.FUZZ_SEED) | 0
    : randomInt(-(2 ** 31), 2 ** 31 - 1);

/** The settings for a property whose CI default is `defaultRuns` cases. */
export function fuzzSettings(defaultRuns: number): FuzzSettings {
  const runs = process.env.FUZZ_RUNS;
  return {
    numRuns: runs !== undefined && runs !== '' ? positiveInteger('FUZZ_RUNS', runs) : defaultRuns,
    seed: processSeed,
    path: process.env.FUZZ_PATH || undefined,
  };
}

/**
 * `fc.assert` with the run's settings. On failure the error carries fast-check's report (the
 * shrunk counter-example, seed and path) and the command line that replays it.
 */
export async function assertProperty<Ts extends [unknown, ...unknown[]]>(
  property: fc.IAsyncProperty<Ts> | fc.IProperty<Ts>,
  settings: FuzzSettings,
): Promise<void> {
  try {
    await fc.assert(property, {
      numRuns: settings.numRuns,
      seed: settings.seed,
      path: settings.path,
    });
  } catch (error) {
    if (error instanceof Error) {
      error.message += `\n\nReplay: FUZZ_SEED=${settings.seed} FUZZ_RUNS=${settings.numRuns} npx jest --selectProjects fuzz <this file>`;
    }
    throw error;
  }
}
