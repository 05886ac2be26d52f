import { readFileSync, readdirSync } from 'node:fs';
import { procStats } from '../test/helpers/processes';

/** Median and spread of repeated measurements. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

/** Median (mean of the middle two for an even count), min and max. */
export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median =
    sorted.length === 0
      ? Number.NaN
      : sorted.length % 2 === 1
        ? sorted[mid]
        : (sorted[mid - 1] + sorted[mid]) / 2;
  return {
    median,
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
    runs: [...values],
  };
}

/** `1,234` style, with `digits` decimals. */
export function fmt(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** `median (min–max)`. */
export function fmtSpread(s: Spread, digits = 0): string {
  return s.runs.length > 1
    ? `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`
    : fmt(s.median, digits);
}

/** Pids of every process whose command name is `comm` (e.g. all `postgres` backends). */
export function pidsByName(comm: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === comm;
      } catch {
        return false;
      }
    });
}

const MACHINE = '(machine)';

/** CPU seconds the whole machine spent busy (all cores, everything but idle and iowait). */
function machineBusySeconds(): number {
  const fields = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields;
  return (user + nice + system + irq + softirq + steal) / 100;
}

/** Where CPU time went during a measurement, as % of one core per process group. */
export type CpuSplit = Record<string, number>;

/**
 * Measures the CPU used by named groups of processes between `start()` and `stop()`: the apps
 * under test, the bench itself, and the shared Postgres and Redis servers.
 */
export class CpuMeter {
  private before = new Map<string, number>();
  private startedAt = 0;

  constructor(private readonly groups: () => Record<string, number[]>) {}

  private sample(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [name, pids] of Object.entries({
      ...this.groups(),
      postgres: pidsByName('postgres'),
      redis: pidsByName('redis-server'),
    })) {
      out.set(
        name,
        pids.reduce((sum, pid) => sum + (procStats(pid)?.cpuSeconds ?? 0), 0),
      );
    }
    const self = process.cpuUsage();
    out.set('bench', (self.user + self.system) / 1e6);
    out.set(MACHINE, machineBusySeconds());
    return out;
  }

  start(): void {
    this.before = this.sample();
    this.startedAt = Date.now();
  }

  /**
   * CPU % of one core per group since `start()` (200 % = both cores of a 2-core machine), plus
   * `other`: everything else the machine ran meanwhile (kernel, other processes), so a run
   * disturbed by unrelated load shows it.
   */
  stop(): CpuSplit {
    const after = this.sample();
    const seconds = (Date.now() - this.startedAt) / 1000;
    const split: CpuSplit = {};
    let attributed = 0;
    for (const [name, cpu] of after) {
      if (name === MACHINE) continue;
      const used = cpu - (this.before.get(name) ?? cpu);
      if (used < 0) continue;
      split[name] = Math.round((used / seconds) * 100);
      attributed += used;
    }
    const busy = (after.get(MACHINE) ?? 0) - (this.before.get(MACHINE) ?? 0);
    split.other = Math.max(0, Math.round(((busy - attributed) / seconds) * 100));
    return split;
  }
}

/** `api 95% · worker 40% · postgres 30%`, largest first. */
export function fmtCpu(split: CpuSplit): string {
  return Object.entries(split)
    .filter(([, pct]) => pct > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([name, pct]) => `${name} ${pct}%`)
    .join(' · ');
}

/** Progress lines go to stderr, so stdout carries only the results. */
export function log(line: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}
