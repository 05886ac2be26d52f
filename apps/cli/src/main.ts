import { AppConfig, loadConfig } from '@app/config';
import { runMigrations } from '@app/database';
import { MAINTENANCE_USAGE, UsageError, runMaintenanceCommand } from './maintenance-commands';
import { StartError, runStart, withEmbeddedDatabase } from './start-command';
import { TENANCY_USAGE, TenancyUsageError, runTenancyCommand } from './tenancy/tenancy-commands';
import { VAPI_USAGE, VapiUsageError, runVapiCommand } from './vapi/vapi-commands';

const USAGE = `usage: main.js <command>\n  migrate\n  start\n  ${MAINTENANCE_USAGE}\n  ${TENANCY_USAGE}\n  ${VAPI_USAGE}`;

/**
 * Operator commands: `migrate` (create the database if missing, apply migrations), `start`
 * (migrate, then run the api and the worker as two processes, stopping both together; with no
 * DATABASE_URL and no REDIS_URL, on an embedded PostgreSQL in DATA_DIR), and the maintenance
 * commands `replay`, `purge-payloads` and `reconcile` (run in this process), and the tenant
 * registry: `tenants`, `credentials`, `tokens`, and `vapi setup|check` (VAPI's side). With nothing configured, the other commands
 * use the embedded PostgreSQL too (the running one, or their own for the command's duration).
 */
async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  const config = loadConfig();
  if (command === 'start') return runStart(config, process.env, (line) => console.log(line));
  if (!KNOWN_COMMANDS.includes(command)) {
    console.error(USAGE);
    return 2;
  }
  return withEmbeddedDatabase(config, process.env, (resolved) =>
    runCommand(command, args, resolved),
  );
}

const KNOWN_COMMANDS = [
  'migrate',
  'replay',
  'purge-payloads',
  'reconcile',
  'tenants',
  'credentials',
  'tokens',
];

async function runCommand(command: string, args: string[], config: AppConfig): Promise<number> {
  switch (command) {
    case 'migrate':
      await runMigrations(config);
      console.log('migrations applied');
      return 0;
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

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    // A StartError is already one line that names the fix; print it alone.
    console.error(
      error instanceof StartError
        ? `vapi-hooks: ${error.message}`
        : error instanceof Error
          ? error.message
          : error,
    );
    process.exit(1);
  },
);
