import { parseArgs } from 'node:util';
import { DataSource } from 'typeorm';
import type { AppConfig } from '@app/config';
import {
  DEFAULT_TENANT_ID,
  ReadTokensRepository,
  SecretBox,
  TENANT_ID_PATTERN,
  TenantsRepository,
  WebhookCredentialsRepository,
  buildDataSourceOptions,
} from '@app/database';
import { VapiApiClient, VapiApiError } from '../../../worker/src/vapi-api/vapi-api.client';
import { RefusedError, TenancyAdmin } from '../tenancy/tenancy-admin';
import { checkVapi } from './vapi-check';
import { type SetupTarget, VapiSetup, webhookUrl } from './vapi-setup';

/** Thrown for bad command-line arguments; main prints the message and the usage. */
export class VapiUsageError extends Error {}

export const VAPI_USAGE = [
  'vapi setup --public-url <https://…> (--assistant <id> | --phone-number <id> | --org) [--tenant <id>] [--dry-run]',
  'vapi check --public-url <https://…> [--tenant <id>]',
].join('\n  ');

/** Where a command writes (stdout and stderr in main; captured in tests). */
export interface VapiIo {
  print: (line: string) => void;
  printError?: (line: string) => void;
}

type Parsed =
  | { sub: 'setup'; publicUrl: string; tenantId: string; target: SetupTarget; dryRun: boolean }
  | { sub: 'check'; publicUrl: string; tenantId: string };

/** Parses `vapi setup|check …`; usage errors are thrown here, before any I/O. */
export function parseVapiCommand(args: string[]): Parsed {
  const [sub, ...rest] = args;
  if (sub !== 'setup' && sub !== 'check') {
    throw new VapiUsageError(
      sub === undefined ? 'vapi needs a subcommand' : `unknown command: vapi ${sub}`,
    );
  }
  const { values } = parse(rest, {
    'public-url': { type: 'string' },
    tenant: { type: 'string' },
    ...(sub === 'setup'
      ? {
          assistant: { type: 'string' },
          'phone-number': { type: 'string' },
          org: { type: 'boolean' },
          'dry-run': { type: 'boolean' },
        }
      : {}),
  });
  const publicUrl = parsePublicUrl(values['public-url']);
  const tenantId = (values.tenant as string | undefined)?.trim() || DEFAULT_TENANT_ID;
  if (!TENANT_ID_PATTERN.test(tenantId)) {
    throw new VapiUsageError(`--tenant ${JSON.stringify(tenantId)} is not a tenant id`);
  }
  if (sub === 'check') return { sub, publicUrl, tenantId };
  const targets: SetupTarget[] = [];
  if (typeof values.assistant === 'string')
    targets.push({ kind: 'assistant', id: values.assistant });
  if (typeof values['phone-number'] === 'string') {
    targets.push({ kind: 'phone-number', id: values['phone-number'] });
  }
  if (values.org === true) targets.push({ kind: 'org' });
  if (targets.length !== 1 || ('id' in targets[0] && targets[0].id.trim() === '')) {
    throw new VapiUsageError('name one target: --assistant <id>, --phone-number <id> or --org');
  }
  return { sub, publicUrl, tenantId, target: targets[0], dryRun: values['dry-run'] === true };
}

/**
 * Runs `vapi setup|check` against VAPI's REST API (VAPI_API_KEY, VAPI_API_URL). Returns the
 * exit code: 0 done, 1 a VAPI error (one line on stderr) or a failed read-back, 2 refused,
 * 3 (`check`) something needs setup. Throws `VapiUsageError` for bad arguments.
 */
export async function runVapiCommand(
  args: string[],
  config: AppConfig,
  io: VapiIo,
): Promise<number> {
  const command = parseVapiCommand(args);
  const printError = io.printError ?? io.print;
  if (config.vapi.apiKey === undefined) {
    throw new VapiUsageError(
      `vapi ${command.sub} needs VAPI_API_KEY (the organisation's private key)`,
    );
  }
  const vapi = new VapiApiClient(config);
  const url = webhookUrl(command.publicUrl, command.tenantId);
  let dataSource: DataSource | undefined;
  try {
    if (command.sub === 'check') return await checkVapi(vapi, url, io.print);
    let home: ConstructorParameters<typeof VapiSetup>[2] = { kind: 'env' };
    if (config.tenancy.secretsKeys.length > 0) {
      dataSource = await new DataSource(
        buildDataSourceOptions({ ...config, database: { ...config.database, poolSize: 2 } }),
      ).initialize();
      const admin = new TenancyAdmin(
        new TenantsRepository(dataSource),
        new WebhookCredentialsRepository(dataSource),
        new ReadTokensRepository(dataSource),
        new SecretBox(config.tenancy.secretsKeys),
      );
      // Unknown or disabled tenants are refused before VAPI is touched.
      await admin.listCredentials(command.tenantId, false);
      home = { kind: 'tenant', admin };
    } else if (command.tenantId !== DEFAULT_TENANT_ID) {
      throw new RefusedError(
        `tenant "${command.tenantId}" keeps its HMAC secret encrypted in the database: set SECRETS_KEY (as for the api), then run setup again`,
      );
    }
    return await new VapiSetup(vapi, config, home, io.print).run({
      publicUrl: command.publicUrl,
      target: command.target,
      tenantId: command.tenantId,
      dryRun: command.dryRun,
    });
  } catch (error) {
    if (error instanceof VapiApiError) {
      printError(`vapi ${command.sub}: ${error.message}`);
      return 1;
    }
    if (error instanceof RefusedError) {
      printError(`refused: ${error.message}`);
      return 2;
    }
    throw error;
  } finally {
    if (dataSource?.isInitialized) await dataSource.destroy();
  }
}

/** An absolute https URL (http only for a local host, for trying it out). */
function parsePublicUrl(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new VapiUsageError(
      '--public-url <https://…> is required: the address VAPI reaches this service at',
    );
  }
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new VapiUsageError(`--public-url ${JSON.stringify(value)} is not a URL`);
  }
  const local = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) {
    throw new VapiUsageError('--public-url must be https:// (VAPI posts call data to it)');
  }
  if (url.search !== '' || url.hash !== '') {
    throw new VapiUsageError('--public-url takes no query or fragment');
  }
  return url.toString().replace(/\/+$/, '');
}

type Options = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

function parse(args: string[], options: Options): { values: Record<string, unknown> } {
  try {
    const { values } = parseArgs({ args, options, strict: true, allowPositionals: false });
    return { values };
  } catch (error) {
    throw new VapiUsageError(error instanceof Error ? error.message : String(error));
  }
}
