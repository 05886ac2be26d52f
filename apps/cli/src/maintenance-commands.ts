import type { INestApplicationContext, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { parseArgs } from 'node:util';
import type { AppConfig } from '@app/config';
import { PayloadRetentionService } from '../../worker/src/maintenance/payload-retention.service';
import { ReconcileService } from '../../worker/src/maintenance/reconcile.service';
import { ReplayService } from '../../worker/src/maintenance/replay.service';
import { CliModule } from './cli.module';

/** Thrown for bad command-line arguments; main prints the message and the usage. */
export class UsageError extends Error {}

/** Exit code when some calls were refused (purged payloads), not found, or not reconciled. */
export const EXIT_INCOMPLETE = 3;

export const MAINTENANCE_USAGE = [
  'replay  (--call <id> [--call <id> …] | --from <iso> --to <iso>) [--rederive] [--followups] [--force]',
  '        neither --rederive nor --followups: both',
  'purge-payloads [--days <n>] [--batch-size <n>]',
  'reconcile [--call <id> …] [--stale-minutes <n>]',
].join('\n  ');

/** A parsed `replay` command. */
export interface ReplayCommand {
  callIds: string[];
  from?: Date;
  to?: Date;
  rederive: boolean;
  followups: boolean;
  force: boolean;
}

/** Parses the arguments of `replay`. */
export function parseReplayArgs(args: string[]): ReplayCommand {
  const { values } = parse(args, {
    call: { type: 'string', multiple: true },
    from: { type: 'string' },
    to: { type: 'string' },
    rederive: { type: 'boolean' },
    followups: { type: 'boolean' },
    force: { type: 'boolean' },
  });
  const callIds = [...new Set(((values.call as string[] | undefined) ?? []).map((c) => c.trim()))];
  if (callIds.some((id) => id === '')) throw new UsageError('--call needs a call id');
  const from = time(values.from as string | undefined, '--from');
  const to = time(values.to as string | undefined, '--to');
  if ((from === undefined) !== (to === undefined)) {
    throw new UsageError('give both --from and --to, or neither');
  }
  if (from !== undefined && to !== undefined && from >= to) {
    throw new UsageError('--from must be before --to');
  }
  if (callIds.length === 0 && from === undefined) {
    throw new UsageError('name the calls: --call <id>, or --from and --to');
  }
  const rederive = values.rederive === true;
  const followups = values.followups === true;
  const both = !rederive && !followups;
  return {
    callIds,
    from,
    to,
    rederive: both || rederive,
    followups: both || followups,
    force: values.force === true,
  };
}

/** Parses the arguments of `purge-payloads`. */
export function parsePurgeArgs(args: string[]): { days?: number; batchSize?: number } {
  const { values } = parse(args, {
    days: { type: 'string' },
    'batch-size': { type: 'string' },
  });
  return {
    days: integer(values.days as string | undefined, '--days', 0),
    batchSize: integer(values['batch-size'] as string | undefined, '--batch-size', 1),
  };
}

/** Parses the arguments of `reconcile`. */
export function parseReconcileArgs(args: string[]): { callIds: string[]; staleMinutes?: number } {
  const { values } = parse(args, {
    call: { type: 'string', multiple: true },
    'stale-minutes': { type: 'string' },
  });
  const callIds = [...new Set(((values.call as string[] | undefined) ?? []).map((c) => c.trim()))];
  if (callIds.some((id) => id === '')) throw new UsageError('--call needs a call id');
  return {
    callIds,
    staleMinutes: integer(values['stale-minutes'] as string | undefined, '--stale-minutes', 1),
  };
}

/** Where a command writes its report (stdout in main; captured in tests). */
export type Print = (line: string) => void;

/**
 * Runs a maintenance command in this process, on the worker's services (the work is done here,
 * not queued). Returns the exit code: 0 done, 3 when some calls were left as they were.
 * Throws `UsageError` for bad arguments (or reconcile without VAPI_API_KEY) before connecting.
 */
export async function runMaintenanceCommand(
  command: 'replay' | 'purge-payloads' | 'reconcile',
  args: string[],
  config: AppConfig,
  print: Print = (line) => console.log(line),
): Promise<number> {
  // Check before connecting anything, so a typo fails fast.
  if (command === 'reconcile' && config.vapi.apiKey === undefined) {
    throw new UsageError('reconcile needs VAPI_API_KEY');
  }
  const run =
    command === 'replay'
      ? replay(parseReplayArgs(args))
      : command === 'purge-payloads'
        ? purge(parsePurgeArgs(args))
        : reconcile(parseReconcileArgs(args));
  // The report is printed; the log adds only what went wrong (Nest's boot lines are noise here).
  const logger: LogLevel[] = config.log.level === 'silent' ? [] : ['warn', 'error'];
  const app = await NestFactory.createApplicationContext(CliModule.forRoot(config), {
    logger: logger.length === 0 ? false : logger,
  });
  try {
    return await run(app, config, print);
  } finally {
    await app.close();
  }
}

type Runner = (app: INestApplicationContext, config: AppConfig, print: Print) => Promise<number>;

function replay(command: ReplayCommand): Runner {
  return async (app, _config, print) => {
    const report = await app.get(ReplayService).replay(
      { callIds: command.callIds, from: command.from, to: command.to },
      {
        rederive: command.rederive,
        followups: command.followups,
        force: command.force,
        requestedAt: Date.now(),
      },
    );
    print(`calls selected: ${report.calls}`);
    if (command.rederive) print(`re-derived: ${report.rederived}`);
    if (report.skippedEvents > 0) {
      print(`events skipped (payload purged or unreadable, --force): ${report.skippedEvents}`);
    }
    if (command.followups) {
      print(`transcript jobs enqueued: ${report.transcriptJobs}`);
      print(`recording downloads enqueued: ${report.recordingJobs}`);
    }
    if (report.notFound.length > 0) print(`not found: ${report.notFound.join(', ')}`);
    if (report.refused.length > 0) {
      print(
        `refused (some payloads were purged by retention, or no longer parse): ${report.refused.join(', ')}`,
      );
      print('rerun with --force to re-derive them from the remaining events only');
    }
    return report.refused.length + report.notFound.length > 0 ? EXIT_INCOMPLETE : 0;
  };
}

function purge(options: { days?: number; batchSize?: number }): Runner {
  return async (app, config, print) => {
    const days = options.days ?? config.retention.payloadDays;
    if (days === 0) {
      print('payload retention is off (RETENTION_PAYLOAD_DAYS=0); nothing purged');
      return 0;
    }
    const report = await app.get(PayloadRetentionService).purge({ ...options, days });
    print(
      `purged ${report.purged} payload(s) received before ${report.cutoff ?? '-'} in ${report.batches} batch(es)`,
    );
    return 0;
  };
}

function reconcile(options: { callIds: string[]; staleMinutes?: number }): Runner {
  return async (app, _config, print) => {
    const report = await app.get(ReconcileService).reconcile(options);
    print(`calls checked: ${report.checked}`);
    print(`missed end-of-call reports enqueued: ${report.enqueued.length}`);
    if (report.enqueued.length > 0) print(`  ${report.enqueued.join(', ')}`);
    print(`already reported: ${report.alreadyReported}`);
    print(`not ended at VAPI: ${report.notEnded}`);
    print(`unknown to VAPI (404): ${report.notFound}`);
    print(`failed (see the log; retried next run): ${report.failed}`);
    return report.failed > 0 ? EXIT_INCOMPLETE : 0;
  };
}

type Options = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

function parse(args: string[], options: Options): { values: Record<string, unknown> } {
  try {
    const { values } = parseArgs({ args, options, strict: true, allowPositionals: false });
    return { values };
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function time(value: string | undefined, name: string): Date | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new UsageError(`${name} must be an ISO 8601 time`);
  return new Date(ms);
}

function integer(value: string | undefined, name: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min) {
    throw new UsageError(`${name} must be an integer ≥ ${min}`);
  }
  return Number(value);
}
