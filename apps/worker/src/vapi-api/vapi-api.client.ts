import { Inject, Injectable } from '@nestjs/common';
import { Vapi, VapiClient, VapiError, VapiTimeoutError } from '@vapi-ai/server-sdk';
import { APP_CONFIG, AppConfig } from '@app/config';

/** A failed VAPI REST API request, as one readable line. The message never holds the API key. */
export class VapiApiError extends Error {
  override readonly name = 'VapiApiError';
  constructor(
    message: string,
    /** The HTTP status VAPI answered, when it answered. */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** A Call object as VAPI returns it (PROTOCOL.md §6); only `id` and `updatedAt` are certain. */
export type VapiCallObject = Vapi.Call & Record<string, unknown>;

/** The server settings this service writes on an assistant, a phone number or the org. */
export type VapiServer = Vapi.Server;

/** A phone number, whatever its provider. */
export type VapiPhoneNumber = Vapi.ListPhoneNumbersResponseItem;

/** An organisation (`GET /org`); the SDK has no client for it, so it goes through passthrough. */
export type VapiOrg = Pick<Vapi.Org, 'id' | 'name' | 'server'>;

/** A webhook credential (`/credential`, passthrough for the same reason). */
export interface VapiWebhookCredential {
  id: string;
  provider: string;
  name?: string;
  authenticationPlan: { type: string } & Partial<Vapi.HmacAuthenticationPlan>;
}

/** The most VAPI lists in one page. */
export const VAPI_MAX_LIMIT = 1000;

/** A 429 asking to wait longer than this is not waited for: the caller gets the error. */
const MAX_RETRY_AFTER_MS = 60_000;
const RETRY_BASE_MS = 500;

/** What a request is, for error lines: `GET /call`, `assistant 1234`. */
interface RequestLabel {
  method: 'GET' | 'POST' | 'PATCH';
  what: string;
}

/**
 * VAPI's REST API through its official SDK (`@vapi-ai/server-sdk`), base URL `VAPI_API_URL`,
 * private key `VAPI_API_KEY`. On top of the SDK: at most `VAPI_API_CONCURRENCY` requests in
 * flight, a 429 pauses every request of this process for its `Retry-After` (bounded, then
 * `VAPI_API_RETRIES` retries), reads are retried after a 5xx, and every failure becomes a
 * `VapiApiError` with one readable line (the SDK's own retries are off: they would hide both).
 */
@Injectable()
export class VapiApiClient {
  private readonly sdk: VapiClient | undefined;
  private readonly baseUrl: string;
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private pausedUntil = 0;
  /** 429 answers seen (each followed by a wait or an error); for reports and tests. */
  rateLimited = 0;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.baseUrl = config.vapi.apiUrl.replace(/\/+$/, '');
    const apiKey = config.vapi.apiKey;
    this.sdk =
      apiKey === undefined
        ? undefined
        : new VapiClient({
            token: apiKey,
            baseUrl: this.baseUrl,
            timeoutInSeconds: config.vapi.apiTimeoutMs / 1000,
            maxRetries: 0,
            fetch: fetchWithoutRedirects,
          });
  }

  /** True when an API key is configured. */
  get configured(): boolean {
    return this.sdk !== undefined;
  }

  /** The call, or null when VAPI does not know it (404). */
  async getCall(callId: string): Promise<VapiCallObject | null> {
    const call = await this.orNull(
      this.request({ method: 'GET', what: `call ${callId}` }, (sdk, o) =>
        sdk.calls.get({ id: callId }, o),
      ),
    );
    if (call !== null && call.id !== callId) {
      throw new VapiApiError(`GET /call/${callId} did not return that call`);
    }
    return call as VapiCallObject | null;
  }

  /** `GET /call` with an `updatedAt` window: lower bound exclusive, upper inclusive. */
  async listCallsUpdated(window: {
    after?: string;
    atOrAfter?: string;
    atOrBefore: string;
    limit: number;
  }): Promise<VapiCallObject[]> {
    const calls = await this.request({ method: 'GET', what: 'calls' }, (sdk, o) =>
      sdk.calls.list(
        {
          updatedAtGt: window.after,
          updatedAtGe: window.atOrAfter,
          updatedAtLe: window.atOrBefore,
          limit: window.limit,
        },
        o,
      ),
    );
    if (!Array.isArray(calls)) throw new VapiApiError('GET /call did not return a list');
    return calls as VapiCallObject[];
  }

  listAssistants(): Promise<Vapi.Assistant[]> {
    return this.request({ method: 'GET', what: 'assistants' }, (sdk, o) =>
      sdk.assistants.list({ limit: VAPI_MAX_LIMIT }, o),
    );
  }

  getAssistant(id: string): Promise<Vapi.Assistant> {
    return this.request({ method: 'GET', what: `assistant ${id}` }, (sdk, o) =>
      sdk.assistants.get({ id }, o),
    );
  }

  updateAssistant(
    id: string,
    patch: { server: VapiServer; serverMessages: string[] },
  ): Promise<Vapi.Assistant> {
    return this.request({ method: 'PATCH', what: `assistant ${id}` }, (sdk, o) =>
      sdk.assistants.update(
        {
          id,
          server: patch.server,
          serverMessages: patch.serverMessages as Vapi.UpdateAssistantDtoServerMessagesItem[],
        },
        o,
      ),
    );
  }

  listPhoneNumbers(): Promise<VapiPhoneNumber[]> {
    return this.request({ method: 'GET', what: 'phone numbers' }, (sdk, o) =>
      sdk.phoneNumbers.list({ limit: VAPI_MAX_LIMIT }, o),
    );
  }

  getPhoneNumber(id: string): Promise<VapiPhoneNumber> {
    return this.request<VapiPhoneNumber>({ method: 'GET', what: `phone number ${id}` }, (sdk, o) =>
      sdk.phoneNumbers.get({ id }, o),
    );
  }

  /** PATCH /phone-number/{id}; VAPI needs the number's provider in the body. */
  updatePhoneNumber(
    id: string,
    provider: VapiPhoneNumber['provider'],
    server: VapiServer,
  ): Promise<VapiPhoneNumber> {
    const body = { provider, server } as Vapi.UpdatePhoneNumbersRequestBody;
    return this.request<VapiPhoneNumber>(
      { method: 'PATCH', what: `phone number ${id}` },
      (sdk, o) => sdk.phoneNumbers.update({ id, body }, o),
    );
  }

  /** The organisations the key can see (`GET /org`). */
  async listOrgs(): Promise<VapiOrg[]> {
    const orgs = await this.passthrough<VapiOrg[]>({ method: 'GET', what: 'org' }, '/org');
    if (!Array.isArray(orgs)) throw new VapiApiError('GET /org did not return a list');
    return orgs;
  }

  updateOrg(id: string, server: VapiServer): Promise<VapiOrg> {
    return this.passthrough({ method: 'PATCH', what: `org ${id}` }, `/org/${enc(id)}`, { server });
  }

  /** The credential, or null when VAPI does not know it (404). */
  getCredential(id: string): Promise<VapiWebhookCredential | null> {
    return this.orNull(
      this.passthrough<VapiWebhookCredential>(
        { method: 'GET', what: `credential ${id}` },
        `/credential/${enc(id)}`,
      ),
    );
  }

  /** Creates an HMAC webhook credential (`POST /credential`, provider `webhook`). */
  createHmacCredential(
    name: string,
    plan: Vapi.HmacAuthenticationPlan,
  ): Promise<VapiWebhookCredential> {
    const body: Vapi.CreateWebhookCredentialDto & { provider: 'webhook' } = {
      provider: 'webhook',
      name,
      authenticationPlan: { type: 'hmac', ...plan },
    };
    return this.passthrough({ method: 'POST', what: 'credential' }, '/credential', body);
  }

  /** Resolves null for a 404. */
  private async orNull<T>(promise: Promise<T>): Promise<T | null> {
    try {
      return await promise;
    } catch (error) {
      if (error instanceof VapiApiError && error.status === 404) return null;
      throw error;
    }
  }

  /** A request the SDK has no client for, through its passthrough (same key, base URL, timeout). */
  private passthrough<T>(label: RequestLabel, path: string, body?: unknown): Promise<T> {
    return this.request(label, async (sdk, options) => {
      const response = await sdk.fetch(
        path,
        {
          method: label.method,
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        },
        options,
      );
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        // Kept as text: an error page is still worth quoting.
      }
      if (!response.ok) {
        throw new VapiError({
          statusCode: response.status,
          body: parsed,
          rawResponse: {
            headers: response.headers,
            redirected: response.redirected,
            status: response.status,
            statusText: response.statusText,
            type: response.type,
            url: response.url,
          },
        });
      }
      return parsed as T;
    });
  }

  /**
   * One request with the concurrency limit, the shared 429 pause and bounded retries; any
   * failure becomes a `VapiApiError`.
   */
  private async request<T>(
    label: RequestLabel,
    run: (sdk: VapiClient, options: { maxRetries: 0 }) => PromiseLike<T>,
  ): Promise<T> {
    const sdk = this.sdk;
    if (sdk === undefined) throw new VapiApiError('VAPI_API_KEY is not set');
    const retries = this.config.vapi.apiRetries;
    for (let attempt = 0; ; attempt++) {
      await this.acquire();
      let failure: VapiApiError;
      let waitMs: number;
      try {
        return await run(sdk, { maxRetries: 0 });
      } catch (error) {
        failure = this.describe(label, error);
        waitMs = this.retryDelay(label, error, attempt);
      } finally {
        this.release();
      }
      if (failure.status === 429) {
        this.rateLimited += 1;
        if (waitMs > 0) this.pausedUntil = Math.max(this.pausedUntil, Date.now() + waitMs);
      }
      if (attempt >= retries || waitMs < 0) throw failure;
      await sleep(waitMs);
    }
  }

  /** How long to wait before retrying, or -1 when the failure is not worth retrying. */
  private retryDelay(label: RequestLabel, error: unknown, attempt: number): number {
    const status = error instanceof VapiError ? error.statusCode : undefined;
    if (status === 429) {
      const wait = retryAfterMs(error as VapiError) ?? RETRY_BASE_MS * 2 ** attempt;
      return wait > MAX_RETRY_AFTER_MS ? -1 : wait;
    }
    // A write that failed at VAPI may have been applied: only reads are retried.
    if (label.method !== 'GET') return -1;
    if (status !== undefined && status >= 500) return RETRY_BASE_MS * 2 ** attempt;
    if (status === undefined) return RETRY_BASE_MS * 2 ** attempt;
    return -1;
  }

  /** One line for the failure: what was asked, what VAPI answered, what to do. */
  private describe(label: RequestLabel, error: unknown): VapiApiError {
    const what = `${label.method} ${label.what}`;
    if (error instanceof VapiApiError) return error;
    if (error instanceof VapiTimeoutError) {
      return new VapiApiError(
        `${what}: no answer within ${this.config.vapi.apiTimeoutMs} ms from VAPI`,
      );
    }
    if (!(error instanceof VapiError)) {
      return new VapiApiError(`${what}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const status = error.statusCode;
    if (status === undefined) {
      return new VapiApiError(`${what}: cannot reach VAPI at ${this.baseUrl} (${causeOf(error)})`);
    }
    const detail = messageOf(error.body);
    const suffix = detail === undefined ? '' : `: ${detail}`;
    switch (true) {
      case status === 401:
      case status === 403:
        return new VapiApiError(
          `${what}: VAPI refused the API key (${status}); set VAPI_API_KEY to the organisation's private key`,
          status,
        );
      case status === 404:
        return new VapiApiError(`${what}: not found at VAPI (404)`, status);
      case status === 400:
      case status === 422:
        return new VapiApiError(`${what}: VAPI rejected the request (${status})${suffix}`, status);
      case status === 429: {
        const after = retryAfterMs(error);
        return new VapiApiError(
          `${what}: VAPI rate limit (429)${after === undefined ? '' : `, retry after ${Math.ceil(after / 1000)} s`}; still limited after ${this.config.vapi.apiRetries} retries, try again later`,
          status,
        );
      }
      case status >= 500:
        return new VapiApiError(
          `${what}: VAPI failed (${status})${suffix}; try again later`,
          status,
        );
      default:
        return new VapiApiError(`${what}: VAPI answered ${status}${suffix}`, status);
    }
  }

  private async acquire(): Promise<void> {
    while (this.active >= this.config.vapi.apiConcurrency) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.active += 1;
    // A 429 seen by any request holds back every request until its Retry-After has passed.
    const pause = this.pausedUntil - Date.now();
    if (pause > 0) await sleep(pause);
  }

  private release(): void {
    this.active -= 1;
    this.waiting.shift()?.();
  }
}

/**
 * The SDK's fetch: a redirect would carry the key to wherever it points, so none is followed.
 * The SDK aborts a slow request with the reason "timeout", which Node's fetch rethrows as is
 * (a string), and the SDK only recognises an `AbortError` as a timeout: give it one.
 */
async function fetchWithoutRedirects(
  input: string | URL | Request,
  init?: RequestInit,
): Promise<Response> {
  try {
    return await fetch(input, { ...init, redirect: 'error' });
  } catch (error) {
    if (init?.signal?.aborted && !(error instanceof Error)) {
      const timeout = new Error('The request timed out');
      timeout.name = 'AbortError';
      throw timeout;
    }
    throw error;
  }
}

/** `Retry-After` in ms (seconds or an HTTP date), when present and sensible. */
function retryAfterMs(error: VapiError): number | undefined {
  const value = error.rawResponse?.headers?.get?.('retry-after');
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** VAPI's error body: `{message: string | string[], error, statusCode}`; else short text. */
function messageOf(body: unknown): string | undefined {
  if (typeof body === 'string') return body.trim() === '' ? undefined : oneLine(body);
  if (typeof body !== 'object' || body === null) return undefined;
  const message = (body as { message?: unknown }).message;
  if (Array.isArray(message)) return oneLine(message.map(String).join('; '));
  if (typeof message === 'string') return oneLine(message);
  return undefined;
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 300)}…` : flat;
}

/** Why fetch failed (its cause names the host and the code, never the headers). */
function causeOf(error: VapiError): string {
  const cause = error.cause as { message?: unknown; cause?: { code?: unknown } } | undefined;
  const code = cause?.cause?.code;
  if (typeof code === 'string') return code;
  return typeof cause?.message === 'string' ? cause.message : error.message;
}

function enc(id: string): string {
  return encodeURIComponent(id);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
