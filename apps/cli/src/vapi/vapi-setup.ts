import type { Vapi } from '@vapi-ai/server-sdk';
import type { AppConfig } from '@app/config';
import {
  DEFAULT_TENANT_ID,
  MAX_ACTIVE_CREDENTIALS_PER_KIND,
  generateWebhookSecret,
} from '@app/database';
import {
  VapiApiClient,
  type VapiPhoneNumber,
  type VapiServer,
  type VapiWebhookCredential,
} from '../../../worker/src/vapi-api/vapi-api.client';
import { RefusedError, type TenancyAdmin } from '../tenancy/tenancy-admin';

/**
 * Message types this service handles (stores or answers): what `setup` adds to an assistant's
 * `serverMessages` and what `check` reports missing. Final transcripts only: partials are
 * dropped on arrival anyway.
 */
export const HANDLED_SERVER_MESSAGES = [
  'status-update',
  'end-of-call-report',
  'transcript[transcriptType="final"]',
  'conversation-update',
  'tool-calls',
  'transfer-destination-request',
] as const;

/** What VAPI sends when `serverMessages` is unset (PROTOCOL.md §1); kept when we add ours. */
export const VAPI_DEFAULT_SERVER_MESSAGES = [
  'conversation-update',
  'end-of-call-report',
  'function-call',
  'hang',
  'speech-update',
  'status-update',
  'tool-calls',
  'transfer-destination-request',
  'handoff-destination-request',
  'user-interrupted',
  'assistant.started',
];

/**
 * The retry plan setup writes when the target has none: VAPI retries nothing without one
 * (PROTOCOL.md §8). Exponential from 1 s, five retries (1+2+4+8+16 s, about half a minute,
 * which outlasts a deploy or a Redis failover); answers that a retry cannot fix are excluded.
 */
export const SETUP_BACKOFF_PLAN = {
  type: 'exponential',
  maxRetries: 5,
  baseDelaySeconds: 1,
  excludedStatusCodes: [400, 401, 403, 404, 413, 415],
};

/** Prefix of the credentials setup creates in VAPI (a name is only for reference there). */
export const CREDENTIAL_NAME_PREFIX = 'vapi-hooks';

/** The label a stored tenant credential gets: it names its VAPI twin. */
export const vapiCredentialLabel = (credentialId: string): string => `vapi ${credentialId}`;

/** What `setup` points at VAPI. */
export type SetupTarget =
  { kind: 'assistant'; id: string } | { kind: 'phone-number'; id: string } | { kind: 'org' };

export interface SetupRequest {
  publicUrl: string;
  target: SetupTarget;
  tenantId: string;
  dryRun: boolean;
}

/** Where setup leaves the secret: in the tenant (encrypted), or printed as a variable to set. */
type SecretHome = { kind: 'tenant'; admin: TenancyAdmin } | { kind: 'env' };

type Print = (line: string) => void;

/** The webhook URL of a tenant under a public base URL. */
export function webhookUrl(publicUrl: string, tenantId: string): string {
  const base = publicUrl.replace(/\/+$/, '');
  return tenantId === DEFAULT_TENANT_ID
    ? `${base}/api/webhook/vapi`
    : `${base}/api/webhook/vapi/${tenantId}`;
}

/** True when a backoff plan retries at all. */
export function retries(server: VapiServer | undefined): boolean {
  const plan = server?.backoffPlan as { maxRetries?: unknown } | undefined;
  return typeof plan?.maxRetries === 'number' && plan.maxRetries > 0;
}

/** The handled types a `serverMessages` list lacks (unset means VAPI's defaults). */
export function missingMessages(serverMessages: readonly string[] | undefined): string[] {
  const have = new Set(serverMessages ?? VAPI_DEFAULT_SERVER_MESSAGES);
  return HANDLED_SERVER_MESSAGES.filter(
    (type) => !have.has(type) && !(type.startsWith('transcript[') && have.has('transcript')),
  );
}

/** The current state of the target, read from VAPI. */
interface TargetState {
  label: string;
  server: VapiServer | undefined;
  /** Assistants only. */
  serverMessages?: string[];
  provider?: VapiPhoneNumber['provider'];
  orgId?: string;
}

/**
 * `vapi setup`: one HMAC credential in VAPI whose secret this service holds, and the target's
 * server URL, credential, message types and retry plan pointed at this service, then read back.
 * Reads first and changes only what differs, so a second run changes nothing; `--dry-run`
 * prints what it would change and writes nothing, here or in VAPI.
 */
export class VapiSetup {
  constructor(
    private readonly vapi: VapiApiClient,
    private readonly config: AppConfig,
    private readonly secretHome: SecretHome,
    private readonly print: Print,
  ) {}

  /** Returns the exit code: 0 done (or nothing to do), 1 VAPI did not keep what was written. */
  async run(request: SetupRequest): Promise<number> {
    const url = webhookUrl(request.publicUrl, request.tenantId);
    const state = await this.readTarget(request.target);
    const keep = await this.reusableCredential(state.server?.credentialId, request.tenantId);
    const desiredServer: VapiServer = {
      ...(state.server ?? {}),
      url,
      ...(keep === undefined ? {} : { credentialId: keep.id }),
      backoffPlan: retries(state.server)
        ? state.server?.backoffPlan
        : (SETUP_BACKOFF_PLAN as unknown as Vapi.BackoffPlan),
    };
    const addMessages =
      request.target.kind === 'assistant' ? missingMessages(state.serverMessages) : [];
    const desiredMessages =
      request.target.kind === 'assistant'
        ? [...(state.serverMessages ?? VAPI_DEFAULT_SERVER_MESSAGES), ...addMessages]
        : undefined;

    const changes: string[] = [];
    if (keep === undefined) {
      changes.push(
        `create an HMAC credential "${CREDENTIAL_NAME_PREFIX} ${request.tenantId}" in VAPI (${this.describePlan()})`,
      );
      changes.push(
        this.secretHome.kind === 'tenant'
          ? `store its secret in tenant "${request.tenantId}" (encrypted with SECRETS_KEY)`
          : 'print its secret as VAPI_WEBHOOK_HMAC_SECRET to set on the api',
      );
      changes.push(
        `${state.label}: server.credentialId ${show(state.server?.credentialId)} → the new credential`,
      );
    } else if (state.server?.credentialId !== keep.id) {
      changes.push(
        `${state.label}: server.credentialId ${show(state.server?.credentialId)} → ${keep.id} (the HMAC credential of tenant "${request.tenantId}")`,
      );
    }
    if (state.server?.url !== url) {
      changes.push(`${state.label}: server.url ${show(state.server?.url)} → ${url}`);
    }
    if (!retries(state.server)) {
      changes.push(
        `${state.label}: server.backoffPlan ${show(state.server?.backoffPlan)} → ${JSON.stringify(SETUP_BACKOFF_PLAN)}`,
      );
    }
    if (addMessages.length > 0) {
      changes.push(`${state.label}: serverMessages + ${addMessages.join(', ')}`);
    }

    if (changes.length === 0) {
      this.print(
        `nothing to change: ${state.label} already sends ${url} with credential ${keep?.id}, the message types this service handles, and retries`,
      );
      return 0;
    }
    if (request.dryRun) {
      this.print(`dry run: nothing was changed; setup would:`);
      for (const change of changes) this.print(`  ${change}`);
      return 0;
    }

    let credentialId = keep?.id;
    if (keep === undefined) {
      credentialId = await this.createCredential(request.tenantId);
      desiredServer.credentialId = credentialId;
    }
    await this.writeTarget(request.target, state, desiredServer, desiredMessages);
    for (const change of changes) this.print(`done: ${change}`);

    const after = await this.readTarget(request.target);
    const problems: string[] = [];
    if (after.server?.url !== url) problems.push(`server.url is ${show(after.server?.url)}`);
    if (after.server?.credentialId !== credentialId) {
      problems.push(`server.credentialId is ${show(after.server?.credentialId)}`);
    }
    if (!retries(after.server)) problems.push('server.backoffPlan does not retry');
    if (request.target.kind === 'assistant') {
      const missing = missingMessages(after.serverMessages);
      if (missing.length > 0) problems.push(`serverMessages lack ${missing.join(', ')}`);
    }
    if (problems.length > 0) {
      this.print(`verify failed: read back from VAPI, ${state.label}: ${problems.join('; ')}`);
      return 1;
    }
    this.print(
      `verified: ${state.label} reads back with ${url}, credential ${credentialId}, retries and every handled message type`,
    );
    return 0;
  }

  private async readTarget(target: SetupTarget): Promise<TargetState> {
    switch (target.kind) {
      case 'assistant': {
        const assistant = await this.vapi.getAssistant(target.id);
        return {
          label: `assistant ${assistant.id}${assistant.name ? ` "${assistant.name}"` : ''}`,
          server: assistant.server,
          serverMessages: assistant.serverMessages as string[] | undefined,
        };
      }
      case 'phone-number': {
        const phone = await this.vapi.getPhoneNumber(target.id);
        const number = (phone as { number?: string }).number;
        return {
          label: `phone number ${phone.id}${number ? ` ${number}` : ''}`,
          server: phone.server,
          provider: phone.provider,
        };
      }
      case 'org': {
        const orgs = await this.vapi.listOrgs();
        if (orgs.length !== 1) {
          throw new RefusedError(
            `the API key sees ${orgs.length} organisations (${orgs.map((o) => o.id).join(', ') || 'none'}); set the server URL on an assistant or phone number instead`,
          );
        }
        const [org] = orgs;
        return {
          label: `org ${org.id}${org.name ? ` "${org.name}"` : ''}`,
          server: org.server,
          orgId: org.id,
        };
      }
    }
  }

  private async writeTarget(
    target: SetupTarget,
    state: TargetState,
    server: VapiServer,
    serverMessages: string[] | undefined,
  ): Promise<void> {
    switch (target.kind) {
      case 'assistant':
        await this.vapi.updateAssistant(target.id, {
          server,
          serverMessages: serverMessages ?? [],
        });
        return;
      case 'phone-number':
        await this.vapi.updatePhoneNumber(
          target.id,
          state.provider as VapiPhoneNumber['provider'],
          server,
        );
        return;
      case 'org':
        await this.vapi.updateOrg(state.orgId as string, server);
        return;
    }
  }

  /**
   * A credential this service holds the secret of, to point the target at: its current one if
   * it qualifies, else (with a tenant store) the tenant's newest stored one that VAPI still
   * has, so every assistant and number of a tenant shares one credential. Qualifying means an
   * HMAC credential setup made for this tenant, with this deployment's settings, and stored in
   * the tenant. Anything else is replaced: its secret is unknown here.
   */
  private async reusableCredential(
    currentId: string | undefined,
    tenantId: string,
  ): Promise<VapiWebhookCredential | undefined> {
    const home = this.secretHome;
    const storedIds =
      home.kind === 'tenant'
        ? (await home.admin.listCredentials(tenantId, false))
            .filter((c) => c.kind === 'hmac' && c.label?.startsWith(vapiCredentialLabel('')))
            .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
            .map((c) => (c.label as string).slice(vapiCredentialLabel('').length))
        : [];
    const candidates =
      home.kind === 'env'
        ? currentId === undefined
          ? []
          : [currentId]
        : [
            ...(currentId !== undefined && storedIds.includes(currentId) ? [currentId] : []),
            ...storedIds.filter((id) => id !== currentId),
          ];
    for (const id of candidates) {
      const credential = await this.vapi.getCredential(id);
      if (credential !== null && this.isOurs(credential, tenantId)) return credential;
    }
    return undefined;
  }

  /** Made by setup for this tenant, with this deployment's HMAC settings. */
  private isOurs(credential: VapiWebhookCredential, tenantId: string): boolean {
    const plan = credential.authenticationPlan;
    const wanted = this.hmacPlan('');
    return (
      credential.name === `${CREDENTIAL_NAME_PREFIX} ${tenantId}` &&
      plan.type === 'hmac' &&
      plan.algorithm === wanted.algorithm &&
      (plan.signatureHeader ?? 'x-signature').toLowerCase() === wanted.signatureHeader &&
      (plan.timestampHeader ?? 'x-timestamp').toLowerCase() === wanted.timestampHeader &&
      (plan.signatureEncoding ?? 'hex') === wanted.signatureEncoding &&
      (plan.signaturePrefix ?? '') === (wanted.signaturePrefix ?? '') &&
      (plan.payloadFormat ?? '{timestamp}.{body}') === wanted.payloadFormat
    );
  }

  /** Creates the credential in VAPI and keeps its secret; returns its VAPI id. */
  private async createCredential(tenantId: string): Promise<string> {
    const home = this.secretHome;
    const secret = generateWebhookSecret();
    if (home.kind === 'tenant') {
      // Refused before anything is created in VAPI, so a refusal leaves nothing behind.
      const active = (await home.admin.listCredentials(tenantId, false)).filter(
        (c) => c.kind === 'hmac',
      );
      if (active.length >= MAX_ACTIVE_CREDENTIALS_PER_KIND) {
        throw new RefusedError(
          `tenant "${tenantId}" already has ${active.length} active hmac credentials (${active.map((c) => c.id).join(', ')}): revoke one with \`credentials revoke --tenant ${tenantId} --id <id>\`, then run setup again`,
        );
      }
    }
    const created = await this.vapi.createHmacCredential(
      `${CREDENTIAL_NAME_PREFIX} ${tenantId}`,
      this.hmacPlan(secret),
    );
    if (home.kind === 'tenant') {
      const issued = await home.admin.addCredential({
        tenantId,
        kind: 'hmac',
        label: vapiCredentialLabel(created.id),
        secret,
      });
      this.print(
        `stored the secret in tenant "${tenantId}" as credential ${issued.credential.id} (encrypted; never printed)`,
      );
    } else {
      this.print(
        `no SECRETS_KEY: set this on every api process (append it with a comma to keep existing secrets), then restart it:`,
      );
      // The api decodes its env secrets from base64 when told to: print what decodes to ours.
      const value =
        this.config.auth.hmac.secretIsBase64 === true
          ? Buffer.from(secret, 'utf8').toString('base64')
          : secret;
      this.print(`VAPI_WEBHOOK_HMAC_SECRET=${value}`);
      this.print(
        "until then VAPI's deliveries are refused (401); the sweep recovers the calls they were about",
      );
    }
    this.print(`created HMAC credential ${created.id} in VAPI`);
    return created.id;
  }

  /** The HMAC plan matching this deployment's VAPI_WEBHOOK_HMAC_* settings. */
  private hmacPlan(secretKey: string): Vapi.HmacAuthenticationPlan {
    const hmac = this.config.auth.hmac;
    return {
      secretKey,
      algorithm: hmac.algorithm,
      signatureHeader: hmac.signatureHeader,
      timestampHeader: hmac.timestampHeader,
      ...(hmac.signaturePrefix === '' ? {} : { signaturePrefix: hmac.signaturePrefix }),
      includeTimestamp: hmac.includeTimestamp,
      payloadFormat: hmac.payloadFormat,
      signatureEncoding: hmac.encoding,
      secretIsBase64: false,
    };
  }

  private describePlan(): string {
    const h = this.config.auth.hmac;
    return `${h.algorithm}, ${h.encoding} signature in ${h.signatureHeader}${h.signaturePrefix === '' ? '' : ` prefixed "${h.signaturePrefix}"`}, timestamp in ${h.timestampHeader}, payload ${h.payloadFormat}`;
  }
}

function show(value: unknown): string {
  if (value === undefined || value === null || value === '') return '(unset)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
