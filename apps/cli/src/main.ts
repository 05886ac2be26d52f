import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { loadConfig } from '@app/config';
import { runMigrations } from '@app/database';
import { MAINTENANCE_USAGE, UsageError, runMaintenanceCommand } from './maintenance-commands';
import { TENANCY_USAGE, TenancyUsageError, runTenancyCommand } from './tenancy/tenancy-commands';
import { VAPI_USAGE, VapiUsageError, runVapiCommand } from './vapi/vapi-commands';

const USAGE = `usage: main.js <command>\n  migrate\n  start\n  ${MAINTENANCE_USAGE}\n  ${TENANCY_USAGE}\n  ${VAPI_USAGE}`;

/**
 * Operator commands: `migrate` (create the database if missing, apply migrations), `start`
 * (migrate, then run the api and the worker as two processes, stopping both together), and the
 * maintenance commands `replay`, `purge-payloads` and `reconcile` (run in this process), and the
 * tenant registry: `tenants`, `credentials`, `tokens`, and `vapi setup|check` (VAPI's side).
 */
async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  const config = loadConfig();
  switch (command) {
    case 'migrate':
      await runMigrations(config);
      console.log('migrations applied');
      return 0;
    case 'start':
      await runMigrations(config);
      return startAll();
    case 'replay':
    case 'purge-payloads':
    case 'reconcile':
      try {
        return await runMaintenanceCommand(command, args, config);
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        console.error(`${command}: ${error.message}\n${USAGE}`);
        return 2;
      }
    case 'tenants':
    case 'credentials':
    case 'tokens':
      try {
        return await runTenancyCommand(command, args, config, {
          print: (line) => console.log(line),
          printError: (line) => console.error(line),
          readStdin,
        });
      } catch (error) {
        if (!(error instanceof TenancyUsageError)) throw error;
        console.error(`${command}: ${error.message}\n${USAGE}`);
        return 2;
      }
    case 'vapi':
      try {
        return await runVapiCommand(args, config, {
          print: (line) => console.log(line),
          printError: (line) => console.error(line),
        });
      } catch (error) {
        if (!(error instanceof VapiUsageError)) throw error;
        console.error(`vapi: ${error.message}\n${USAGE}`);
        return 2;
      }
    default:
      console.error(USAGE);
      return 2;
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function startAll(): Promise<number> {
  const apps = ['api', 'worker'];
  const children: ChildProcess[] = apps.map((name) =>
    spawn(process.execPath, [join(__dirname, '..', '..', name, 'src', 'main.js')], {
      stdio: 'inherit',
      env: process.env,
    }),
  );
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    for (const child of children) if (child.exitCode === null) child.kill(signal);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGTERM'));
  return new Promise((resolve) => {
    let exited = 0;
    let worst = 0;
    for (const child of children) {
      child.on('exit', (code) => {
        worst = Math.max(worst, code ?? 1);
        exited += 1;
        // One process dying takes the other down: a half-running service hides failures.
        stop('SIGTERM');
        if (exited === children.length) resolve(stopping && worst === 0 ? 0 : worst);
      });
    }
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
