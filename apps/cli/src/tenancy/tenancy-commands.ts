import { parseArgs } from 'node:util';
import { DataSource } from 'typeorm';
import type { AppConfig } from '@app/config';
import {
  DEFAULT_TENANT_ID,
  ReadTokensRepository,
  SecretBox,
  TenantsRepository,
  WEBHOOK_CREDENTIAL_KINDS,
  type WebhookCredential,
  type WebhookCredentialKind,
  WebhookCredentialsRepository,
  buildDataSourceOptions,
} from '@app/database';
import { RefusedError, TenancyAdmin, describeCredential, iso, scopeOf } from './tenancy-admin';

/** Thrown for bad command-line arguments; main prints the message and the usage. */
export class TenancyUsageError extends Error {}

export const TENANCY_USAGE = [
  'tenants add <id> [--name <name>] | tenants list | tenants disable <id> | tenants enable <id>',
  'credentials add --tenant <id> --kind legacy-secret|bearer|hmac [--label <text>] [--secret-stdin]',
  'credentials rotate --tenant <id> [--kind <kind>] [--label <text>] [--secret-stdin]',
  'credentials revoke --tenant <id> --id <credential id>',
  'credentials list --tenant <id> [--revoked]',
  'tokens create (--tenant <id> | --all) [--label <text>] [--expires <30d|12h|ISO 8601>]',
  'tokens list [--tenant <id> | --all] [--revoked]',
  'tokens revoke --id <token id> [--tenant <id> | --all]',
].join('\n  ');

/** The commands this file runs. */
export const TENANCY_COMMANDS = ['tenants', 'credentials', 'tokens'] as const;
export type TenancyCommand = (typeof TENANCY_COMMANDS)[number];

/** Where a command writes its report (stdout in main; captured in tests). */
export type Print = (line: string) => void;

/** What a command may need besides its arguments. */
export interface TenancyIo {
  print: Print;
  /** Where refusals go (stderr in main); `print` when omitted. */
  printError?: Print;
  /** The whole of stdin (for `--secret-stdin`). */
  readStdin: () => Promise<string>;
  now?: () => Date;
}

/**
 * Runs `tenants|credentials|tokens <subcommand> …` against the database. Every command prints
 * what it changed; generated secrets and tokens are printed once, here, and never stored in the
 * clear. Returns the exit code: 0 done, 2 refused (the message says why and what to do).
 * Throws `TenancyUsageError` for bad arguments before connecting.
 */
export async function runTenancyCommand(
  command: TenancyCommand,
  args: string[],
  config: AppConfig,
  io: TenancyIo,
): Promise<number> {
  const run = parseTenancyCommand(command, args);
  const dataSource = await new DataSource(
    buildDataSourceOptions({ ...config, database: { ...config.database, poolSize: 2 } }),
  ).initialize();
  try {
    const admin = new TenancyAdmin(
      new TenantsRepository(dataSource),
      new WebhookCredentialsRepository(dataSource),
      new ReadTokensRepository(dataSource),
      new SecretBox(config.tenancy.secretsKeys),
      io.now,
    );
    await run(admin, { config, io });
    return 0;
  } catch (error) {
    if (!(error instanceof RefusedError)) throw error;
    (io.printError ?? io.print)(`refused: ${error.message}`);
    return 2;
  } finally {
    await dataSource.destroy();
  }
}

type Context = { config: AppConfig; io: TenancyIo };
type Runner = (admin: TenancyAdmin, context: Context) => Promise<void>;

/** Parses a command into what it will run; usage errors are thrown here, before any I/O. */
export function parseTenancyCommand(command: TenancyCommand, args: string[]): Runner {
  const [sub, ...rest] = args;
  switch (`${command} ${sub ?? ''}`) {
    case 'tenants add': {
      const { values, positionals } = parse(rest, { name: { type: 'string' } }, 1);
      const id = one(positionals, 'tenants add needs the new tenant id');
      return async (admin, { io }) => {
        const tenant = await admin.addTenant(id, values.name as string | undefined);
        io.print(`added tenant ${tenant.id} ("${tenant.name}")`);
        io.print(
          `next: \`credentials add --tenant ${tenant.id} --kind hmac\` for its webhooks, \`tokens create --tenant ${tenant.id}\` for its read API`,
        );
      };
    }
    case 'tenants list': {
      parse(rest, {}, 0);
      return async (admin, { io, config }) => {
        const rows = (await admin.listTenants()).map(
          ({ tenant, activeCredentials, activeTokens }) => {
            const credentials = Object.entries(activeCredentials).map(([k, n]) => `${k} ${n}`);
            if (tenant.id === 'default' && envCredentialCount(config) > 0)
              credentials.unshift('env');
            return [
              tenant.id,
              tenant.name,
              tenant.disabledAt === null ? 'active' : `disabled ${iso(tenant.disabledAt)}`,
              credentials.join(', ') || '-',
              String(activeTokens),
            ];
          },
        );
        for (const line of table(
          ['tenant', 'name', 'status', 'webhook credentials', 'read tokens'],
          rows,
        )) {
          io.print(line);
        }
      };
    }
    case 'tenants disable':
    case 'tenants enable': {
      const { positionals } = parse(rest, {}, 1);
      const id = one(positionals, `tenants ${sub} needs the tenant id`);
      if (sub === 'enable') {
        return async (admin, { io }) => {
          await admin.enableTenant(id);
          io.print(`enabled tenant ${id}: its active credentials and read tokens work again`);
        };
      }
      return async (admin, { io, config }) => {
        const done = await admin.disableTenant(id);
        io.print(
          `disabled tenant ${id}: its ${done.credentials} active webhook credential(s) and ${done.tokens} read token(s) are refused from now on (running api processes notice within AUTH_CACHE_SECONDS=${config.tenancy.authCacheSeconds} s)`,
        );
      };
    }
    case 'credentials add':
    case 'credentials rotate': {
      const { values } = parse(rest, {
        tenant: { type: 'string' },
        kind: { type: 'string' },
        label: { type: 'string' },
        'secret-stdin': { type: 'boolean' },
      });
      const tenantId = required(values.tenant, `credentials ${sub} needs --tenant <id>`);
      const kind = credentialKind(values.kind);
      if (sub === 'add' && kind === undefined) {
        throw new TenancyUsageError(
          `credentials add needs --kind (${WEBHOOK_CREDENTIAL_KINDS.join(', ')})`,
        );
      }
      const label = values.label as string | undefined;
      const fromStdin = values['secret-stdin'] === true;
      return async (admin, { io, config }) => {
        const secret = fromStdin ? trimLine(await io.readStdin()) : undefined;
        if (sub === 'add') {
          // Checked above: `add` without --kind is a usage error.
          const issued = await admin.addCredential({
            tenantId,
            kind: kind as WebhookCredentialKind,
            label,
            secret,
          });
          io.print(`added ${describeCredential(issued.credential)} to tenant ${tenantId}`);
          io.print(
            `active ${issued.credential.kind} credentials of ${tenantId}: ${issued.active.length} of 2`,
          );
          showSecret(io, issued.credential, issued.secret, fromStdin, config);
          return;
        }
        const issued = await admin.rotateCredential({ tenantId, kind, label, secret });
        io.print(
          `rotating ${issued.credential.kind} credential of tenant ${tenantId}: added ${describeCredential(issued.credential)}; ${issued.previous.id} stays active`,
        );
        showSecret(io, issued.credential, issued.secret, fromStdin, config);
        io.print(
          `switch VAPI to the new secret, then finish with \`credentials revoke --tenant ${tenantId} --id ${issued.previous.id}\``,
        );
      };
    }
    case 'credentials revoke': {
      const { values } = parse(rest, { tenant: { type: 'string' }, id: { type: 'string' } });
      const tenantId = required(values.tenant, 'credentials revoke needs --tenant <id>');
      const id = values.id as string | undefined;
      return async (admin, { io, config }) => {
        const { credential, remaining } = await admin.revokeCredential({ tenantId, id });
        io.print(`revoked ${describeCredential(credential)} of tenant ${tenantId}`);
        const same = remaining.filter((c) => c.kind === credential.kind);
        io.print(
          `active ${credential.kind} credentials of ${tenantId}: ${same.length === 0 ? 'none' : same.map((c) => c.id).join(', ')}`,
        );
        if (
          remaining.length === 0 &&
          !(tenantId === DEFAULT_TENANT_ID && envCredentialCount(config) > 0)
        ) {
          io.print(
            `warning: tenant ${tenantId} has no active webhook credential left: its deliveries are refused`,
          );
        }
        io.print(
          `running api processes stop accepting it within AUTH_CACHE_SECONDS=${config.tenancy.authCacheSeconds} s`,
        );
      };
    }
    case 'credentials list': {
      const { values } = parse(rest, { tenant: { type: 'string' }, revoked: { type: 'boolean' } });
      const tenantId = required(values.tenant, 'credentials list needs --tenant <id>');
      return async (admin, { io }) => {
        const rows = (await admin.listCredentials(tenantId, values.revoked === true)).map((c) => [
          c.id,
          c.kind,
          c.label ?? '-',
          iso(c.createdAt),
          c.revokedAt === null ? 'active' : `revoked ${iso(c.revokedAt)}`,
        ]);
        if (rows.length === 0) io.print(`tenant ${tenantId} has no webhook credential`);
        else
          for (const line of table(['id', 'kind', 'label', 'created', 'state'], rows))
            io.print(line);
      };
    }
    case 'tokens create': {
      const { values } = parse(rest, {
        tenant: { type: 'string' },
        all: { type: 'boolean' },
        label: { type: 'string' },
        expires: { type: 'string' },
      });
      const scope = tokenScope(values, true);
      const expires = values.expires as string | undefined;
      const label = values.label as string | undefined;
      return async (admin, { io }) => {
        const now = io.now?.() ?? new Date();
        const expiresAt = expires === undefined ? undefined : parseExpiry(expires, now);
        const { record, token } = await admin.createToken({
          tenantId: scope ?? null,
          label,
          expiresAt,
        });
        io.print(
          `created read token ${record.id} for ${scopeOf(record.tenantId)}${record.label === null ? '' : ` ("${record.label}")`}, ${record.expiresAt === null ? 'no expiry' : `expires ${iso(record.expiresAt)}`}`,
        );
        io.print(`token (shown once, store it now): ${token}`);
        io.print('use it as `Authorization: Bearer <token>` on /api/calls');
      };
    }
    case 'tokens list': {
      const { values } = parse(rest, {
        tenant: { type: 'string' },
        all: { type: 'boolean' },
        revoked: { type: 'boolean' },
      });
      const scope = tokenScope(values, false);
      return async (admin, { io }) => {
        const tokens = await admin.listTokens({
          tenantId: scope,
          includeRevoked: values.revoked === true,
        });
        const now = (io.now?.() ?? new Date()).getTime();
        const rows = tokens.map((t) => [
          t.id,
          t.tenantId ?? '(all tenants)',
          t.label ?? '-',
          iso(t.createdAt),
          t.expiresAt === null ? '-' : iso(t.expiresAt),
          t.revokedAt !== null
            ? `revoked ${iso(t.revokedAt)}`
            : t.expiresAt !== null && t.expiresAt.getTime() <= now
              ? 'expired'
              : 'active',
          t.lastUsedAt === null ? '-' : iso(t.lastUsedAt),
        ]);
        if (rows.length === 0) io.print('no read tokens');
        else {
          const header = ['id', 'scope', 'label', 'created', 'expires', 'state', 'last used'];
          for (const line of table(header, rows)) io.print(line);
        }
      };
    }
    case 'tokens revoke': {
      const { values } = parse(rest, {
        id: { type: 'string' },
        tenant: { type: 'string' },
        all: { type: 'boolean' },
      });
      const scope = tokenScope(values, false);
      const id = values.id as string | undefined;
      return async (admin, { io, config }) => {
        const token = await admin.revokeToken({ id, tenantId: scope });
        io.print(`revoked read token ${token.id} for ${scopeOf(token.tenantId)}`);
        io.print(
          `running api processes refuse it within AUTH_CACHE_SECONDS=${config.tenancy.authCacheSeconds} s`,
        );
      };
    }
    default:
      throw new TenancyUsageError(
        sub === undefined ? `${command} needs a subcommand` : `unknown command: ${command} ${sub}`,
      );
  }
}

/** Shows a new secret once, with how to configure it in VAPI. */
function showSecret(
  io: TenancyIo,
  credential: WebhookCredential,
  secret: string,
  fromStdin: boolean,
  config: AppConfig,
): void {
  if (!fromStdin) io.print(`secret (shown once, store it now): ${secret}`);
  const { hmac, bearer } = config.auth;
  const how: Record<WebhookCredentialKind, string> = {
    hmac: `in VAPI: an HMAC credential with this secret, algorithm ${hmac.algorithm}, signature header ${hmac.signatureHeader} (${hmac.encoding}${hmac.signaturePrefix === '' ? '' : `, prefix "${hmac.signaturePrefix}"`}), timestamp header ${hmac.timestampHeader}, payload ${hmac.payloadFormat}`,
    bearer: `in VAPI: a Bearer Token credential with this token, header ${bearer.header}${bearer.prefixEnabled ? ', "Bearer " prefix on' : ', no "Bearer " prefix'}`,
    'legacy-secret': 'in VAPI: this secret as the server secret (sent as X-Vapi-Secret)',
  };
  io.print(how[credential.kind]);
}

function envCredentialCount(config: AppConfig): number {
  const { legacySecrets, bearer, hmac } = config.auth;
  return legacySecrets.length + bearer.tokens.length + hmac.secrets.length;
}

/** `--tenant <id>` → the id, `--all` → null, neither → undefined (or refused when required). */
function tokenScope(values: Record<string, unknown>, required: boolean): string | null | undefined {
  const tenant = values.tenant as string | undefined;
  const all = values.all === true;
  if (tenant !== undefined && all) {
    throw new TenancyUsageError('give --tenant <id> or --all, not both');
  }
  if (tenant !== undefined) return tenant;
  if (all) return null;
  if (required) {
    throw new TenancyUsageError(
      'say whose calls the token may read: --tenant <id> (one tenant) or --all (every tenant, for an operator)',
    );
  }
  return undefined;
}

function credentialKind(value: unknown): WebhookCredentialKind | undefined {
  if (value === undefined) return undefined;
  if (!(WEBHOOK_CREDENTIAL_KINDS as readonly unknown[]).includes(value)) {
    throw new TenancyUsageError(
      `--kind must be one of ${WEBHOOK_CREDENTIAL_KINDS.join(', ')} (got ${JSON.stringify(value)})`,
    );
  }
  return value as WebhookCredentialKind;
}

/** `30d`, `12h`, `90m`, `2w`, or an ISO 8601 date or time. */
export function parseExpiry(value: string, now: Date): Date {
  const relative = /^(\d{1,6})([mhdw])$/.exec(value.trim());
  if (relative !== null) {
    const minutes = { m: 1, h: 60, d: 1440, w: 10080 }[relative[2] as 'm' | 'h' | 'd' | 'w'];
    return new Date(now.getTime() + Number(relative[1]) * minutes * 60_000);
  }
  if (/^\d{4}-\d{2}-\d{2}([T ].+)?$/.test(value.trim())) {
    const at = new Date(value.trim());
    if (!Number.isNaN(at.getTime())) return at;
  }
  throw new TenancyUsageError(
    `--expires ${JSON.stringify(value)} is neither a duration (30d, 12h, 90m, 2w) nor an ISO 8601 date`,
  );
}

/** A secret piped in, without the newline `echo` adds. */
function trimLine(value: string): string {
  return value.replace(/\r?\n$/, '');
}

function required(value: unknown, message: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new TenancyUsageError(message);
  return value.trim();
}

function one(positionals: string[], message: string): string {
  if (positionals.length !== 1) throw new TenancyUsageError(message);
  return positionals[0];
}

/** Left-aligned columns. */
function table(header: string[], rows: string[][]): string[] {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  return all.map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i]))
      .join('  ')
      .trimEnd(),
  );
}

type Options = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

function parse(
  args: string[],
  options: Options,
  positionals = 0,
): { values: Record<string, unknown>; positionals: string[] } {
  try {
    const parsed = parseArgs({ args, options, strict: true, allowPositionals: positionals > 0 });
    if (parsed.positionals.length > positionals) {
      throw new Error(`unexpected argument ${JSON.stringify(parsed.positionals[positionals])}`);
    }
    return { values: parsed.values, positionals: parsed.positionals };
  } catch (error) {
    throw new TenancyUsageError(error instanceof Error ? error.message : String(error));
  }
}
