import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for VAPI's REST API (no network): the routes this service uses, with the
 * request and response shapes of `@vapi-ai/server-sdk` 2.0.1's types (`Call`, `Assistant`,
 * phone numbers, `Org`, `WebhookCredential`) and VAPI's error body
 * (`{message, error, statusCode}`). It holds "the truth" a test sets up, records every request,
 * and answers faults on demand. Recording files are served under `/storage/`.
 *
 * `GET /call` lists newest-created first and ignores `updatedAt` order, as VAPI documents no
 * order: callers must not depend on one.
 */

/** A Call object (only the fields the fake itself reads are typed). */
export type FakeCall = Record<string, unknown> & { id: string; updatedAt: string };

/** An assistant (`Vapi.Assistant`, the fields setup touches). */
export type FakeAssistant = Record<string, unknown> & {
  id: string;
  name?: string;
  server?: Record<string, unknown>;
  serverMessages?: string[];
};

/** A phone number (`Vapi.ListPhoneNumbersResponseItem`). */
export type FakePhoneNumber = Record<string, unknown> & {
  id: string;
  provider: string;
  number?: string;
  server?: Record<string, unknown>;
};

/** One request as received. */
export interface FakeVapiRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body?: unknown;
  authorization?: string;
}

/** A fault to answer instead of the real thing. */
export interface FakeFault {
  method?: string;
  /** Matched against the path (without the query). */
  path?: RegExp;
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** How many matching requests get it (default 1). */
  times?: number;
  /** Answer this late (ms), e.g. past the client's timeout. */
  delayMs?: number;
}

/** Types VAPI accepts in `serverMessages` (`AssistantServerMessagesItem`). */
const SERVER_MESSAGE_TYPES = new Set([
  'assistant.started',
  'assistant.speechStarted',
  'conversation-update',
  'end-of-call-report',
  'function-call',
  'hang',
  'language-changed',
  'language-change-detected',
  'model-output',
  'phone-call-control',
  'speech-update',
  'status-update',
  'transcript',
  'transcript[transcriptType="final"]',
  'tool-calls',
  'transfer-destination-request',
  'handoff-destination-request',
  'transfer-update',
  'user-interrupted',
  'voice-input',
  'chat.created',
  'chat.deleted',
  'session.created',
  'session.updated',
  'session.deleted',
  'call.deleted',
  'call.delete.failed',
  'call.artifact.upload',
]);

export class FakeVapi {
  readonly orgId = randomUUID();
  readonly calls = new Map<string, FakeCall>();
  readonly assistants = new Map<string, FakeAssistant>();
  readonly phoneNumbers = new Map<string, FakePhoneNumber>();
  readonly credentials = new Map<string, Record<string, unknown>>();
  org: Record<string, unknown> = { id: this.orgId, name: 'Fake org' };
  readonly requests: FakeVapiRequest[] = [];
  private readonly faults: FakeFault[] = [];
  private inFlight = 0;
  /** The most API requests it has had open at once. */
  maxConcurrent = 0;
  private readonly server: Server;
  url = '';

  /** `apiKey`: the only Bearer token accepted (anything else is 401). */
  constructor(readonly apiKey: string) {
    this.server = createServer((req, res) => {
      const api = !(req.url ?? '').startsWith('/storage/');
      if (api) {
        this.inFlight += 1;
        this.maxConcurrent = Math.max(this.maxConcurrent, this.inFlight);
        res.on('close', () => (this.inFlight -= 1));
      }
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) this.send(res, 500, { message: String(error) });
      });
    });
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Answers the next matching request(s) with this fault instead. */
  fail(fault: FakeFault): void {
    this.faults.push({ times: 1, ...fault });
  }

  /** Stores (or replaces) a call as VAPI holds it. */
  putCall(call: FakeCall): void {
    this.calls.set(call.id, call);
  }

  addAssistant(assistant: Partial<FakeAssistant> = {}): FakeAssistant {
    const now = new Date().toISOString();
    const stored: FakeAssistant = {
      id: randomUUID(),
      orgId: this.orgId,
      name: 'Assistant',
      createdAt: now,
      updatedAt: now,
      ...assistant,
    };
    this.assistants.set(stored.id, stored);
    return stored;
  }

  addPhoneNumber(phone: Partial<FakePhoneNumber> = {}): FakePhoneNumber {
    const now = new Date().toISOString();
    const stored: FakePhoneNumber = {
      id: randomUUID(),
      orgId: this.orgId,
      provider: 'vapi',
      number: '+14155550100',
      status: 'active',
      createdAt: now,
      updatedAt: now,
      ...phone,
    };
    this.phoneNumbers.set(stored.id, stored);
    return stored;
  }

  /** Requests other than GET (what changed something, or tried to). */
  writes(): FakeVapiRequest[] {
    return this.requests.filter((r) => r.method !== 'GET');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (path.startsWith('/storage/')) {
      res.writeHead(200, { 'content-type': 'audio/wav' }).end(Buffer.from(`audio ${path}`));
      return;
    }
    const method = req.method ?? 'GET';
    const raw = await readBody(req);
    let body: unknown;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        return this.send(res, 400, { message: 'body is not JSON', error: 'Bad Request' });
      }
    }
    this.requests.push({
      method,
      path,
      query: Object.fromEntries(url.searchParams),
      body,
      authorization: req.headers.authorization,
    });
    const faultAt = this.faults.findIndex(
      (f) =>
        (f.method === undefined || f.method === method) &&
        (f.path === undefined || f.path.test(path)),
    );
    if (faultAt >= 0) {
      const fault = this.faults[faultAt];
      fault.times = (fault.times ?? 1) - 1;
      if (fault.times <= 0) this.faults.splice(faultAt, 1);
      if (fault.delayMs !== undefined) await sleep(fault.delayMs);
      if (res.destroyed) return;
      return this.send(res, fault.status, fault.body ?? errorBody(fault.status), fault.headers);
    }
    if (req.headers.authorization !== `Bearer ${this.apiKey}`) {
      return this.send(
        res,
        401,
        errorBody(
          401,
          'Invalid Key. Hot tip, you may be using the public key instead of the private key.',
        ),
      );
    }
    return this.route(res, method, path, url.searchParams, body);
  }

  private route(
    res: ServerResponse,
    method: string,
    path: string,
    query: URLSearchParams,
    body: unknown,
  ): void {
    const [, resource, id, extra] = path.split('/');
    if (extra !== undefined) return this.send(res, 404, errorBody(404, `Cannot ${method} ${path}`));
    const patch: Record<string, unknown> = isObject(body) ? body : {};
    switch (`${method} ${resource}${id === undefined ? '' : '/:id'}`) {
      case 'GET call':
        return this.send(res, 200, this.listCalls(query));
      case 'GET call/:id':
        return this.found(res, this.calls.get(id), 'Call');
      case 'GET assistant':
        return this.send(res, 200, limited([...this.assistants.values()], query));
      case 'GET assistant/:id':
        return this.found(res, this.assistants.get(id), 'Assistant');
      case 'PATCH assistant/:id': {
        const assistant = this.assistants.get(id);
        if (assistant === undefined) return this.found(res, undefined, 'Assistant');
        const invalid = this.invalidServer(patch);
        if (invalid !== undefined) return this.send(res, 400, errorBody(400, invalid));
        Object.assign(assistant, patch, { updatedAt: new Date().toISOString() });
        return this.send(res, 200, assistant);
      }
      case 'GET phone-number':
        return this.send(res, 200, limited([...this.phoneNumbers.values()], query));
      case 'GET phone-number/:id':
        return this.found(res, this.phoneNumbers.get(id), 'Phone Number');
      case 'PATCH phone-number/:id': {
        const phone = this.phoneNumbers.get(id);
        if (phone === undefined) return this.found(res, undefined, 'Phone Number');
        if (patch.provider !== phone.provider) {
          return this.send(res, 400, errorBody(400, [`provider must be ${phone.provider}`]));
        }
        const invalid = this.invalidServer(patch);
        if (invalid !== undefined) return this.send(res, 400, errorBody(400, invalid));
        Object.assign(phone, patch, { updatedAt: new Date().toISOString() });
        return this.send(res, 200, phone);
      }
      case 'GET org':
        return this.send(res, 200, [this.org]);
      case 'PATCH org/:id': {
        if (id !== this.org.id) return this.found(res, undefined, 'Org');
        const invalid = this.invalidServer(patch);
        if (invalid !== undefined) return this.send(res, 400, errorBody(400, invalid));
        Object.assign(this.org, patch, { updatedAt: new Date().toISOString() });
        return this.send(res, 200, this.org);
      }
      case 'POST credential': {
        const plan = patch.authenticationPlan as Record<string, unknown> | undefined;
        if (patch.provider !== 'webhook' || !isObject(plan) || typeof plan.type !== 'string') {
          return this.send(
            res,
            400,
            errorBody(400, ['provider must be webhook', 'authenticationPlan must be an object']),
          );
        }
        if (plan.type === 'hmac' && (typeof plan.secretKey !== 'string' || plan.secretKey === '')) {
          return this.send(
            res,
            400,
            errorBody(400, ['authenticationPlan.secretKey should not be empty']),
          );
        }
        const now = new Date().toISOString();
        const credential = {
          ...patch,
          id: randomUUID(),
          orgId: this.orgId,
          createdAt: now,
          updatedAt: now,
        };
        this.credentials.set(credential.id, credential);
        return this.send(res, 201, withoutSecret(credential));
      }
      case 'GET credential/:id': {
        const credential = this.credentials.get(id);
        return this.found(res, credential && withoutSecret(credential), 'Credential');
      }
      default:
        return this.send(res, 404, errorBody(404, `Cannot ${method} ${path}`));
    }
  }

  /** `GET /call` with its filters (`updatedAt*`, `createdAt*`, `id`, `assistantId`, `limit`). */
  private listCalls(query: URLSearchParams): FakeCall[] {
    const bounds: [string, string, (a: number, b: number) => boolean][] = [
      ['updatedAtGt', 'updatedAt', (a, b) => a > b],
      ['updatedAtGe', 'updatedAt', (a, b) => a >= b],
      ['updatedAtLt', 'updatedAt', (a, b) => a < b],
      ['updatedAtLe', 'updatedAt', (a, b) => a <= b],
      ['createdAtGt', 'createdAt', (a, b) => a > b],
      ['createdAtGe', 'createdAt', (a, b) => a >= b],
      ['createdAtLt', 'createdAt', (a, b) => a < b],
      ['createdAtLe', 'createdAt', (a, b) => a <= b],
    ];
    let calls = [...this.calls.values()];
    for (const [param, field, test] of bounds) {
      const value = query.get(param);
      if (value === null) continue;
      const limit = Date.parse(value);
      calls = calls.filter((c) => test(Date.parse(String(c[field])), limit));
    }
    for (const field of ['id', 'assistantId', 'phoneNumberId']) {
      const value = query.get(field);
      if (value !== null) calls = calls.filter((c) => c[field] === value);
    }
    calls.sort((a, b) => text(b.createdAt).localeCompare(text(a.createdAt)));
    return limited(calls, query);
  }

  /** VAPI validates `serverMessages` items and `server.backoffPlan` (400 with a list). */
  private invalidServer(patch: Record<string, unknown>): string[] | undefined {
    const problems: string[] = [];
    if (patch.serverMessages !== undefined) {
      const list = Array.isArray(patch.serverMessages) ? patch.serverMessages : [];
      for (const item of list) {
        if (!SERVER_MESSAGE_TYPES.has(String(item))) {
          problems.push(`serverMessages must be one of the allowed types (got ${String(item)})`);
        }
      }
    }
    const server = patch.server;
    if (isObject(server) && isObject(server.backoffPlan)) {
      const plan = server.backoffPlan;
      if (
        plan.maxRetries !== undefined &&
        (typeof plan.maxRetries !== 'number' || plan.maxRetries < 0 || plan.maxRetries > 10)
      ) {
        problems.push('server.backoffPlan.maxRetries must not be greater than 10');
      }
    }
    return problems.length > 0 ? problems : undefined;
  }

  private found(res: ServerResponse, value: unknown, what: string): void {
    if (value === undefined) return this.send(res, 404, errorBody(404, `${what} not found`));
    this.send(res, 200, value);
  }

  private send(
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    res
      .writeHead(status, { 'content-type': 'application/json', ...headers })
      .end(JSON.stringify(body));
  }
}

/** VAPI's error body (NestJS style): `message` is a string or a list of validation messages. */
export function errorBody(status: number, message?: string | string[]): Record<string, unknown> {
  const names: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    404: 'Not Found',
    422: 'Unprocessable Entity',
    429: 'Too Many Requests',
    500: 'Internal Server Error',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
  };
  return {
    message: message ?? names[status] ?? 'Error',
    error: names[status] ?? 'Error',
    statusCode: status,
  };
}

function limited<T>(items: T[], query: URLSearchParams): T[] {
  const limit = Number(query.get('limit') ?? 100);
  return items.slice(0, Number.isFinite(limit) && limit > 0 ? limit : 100);
}

/** VAPI never returns a credential's secret. */
function withoutSecret(credential: Record<string, unknown>): Record<string, unknown> {
  const plan = credential.authenticationPlan as Record<string, unknown> | undefined;
  if (!isObject(plan)) return credential;
  const { secretKey: _secret, ...rest } = plan;
  return { ...credential, authenticationPlan: rest };
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Report fields `GET /call/{id}` also carries on the Call, current and legacy (PROTOCOL.md §4, §6). */
const CALL_REPORT_FIELDS = [
  'endedReason',
  'startedAt',
  'endedAt',
  'cost',
  'costs',
  'costBreakdown',
  'analysis',
  'artifact',
  'messages',
  'transcript',
  'summary',
  'recordingUrl',
  'stereoRecordingUrl',
];

/**
 * The Call object VAPI returns once it has sent this `end-of-call-report`: the report's `call`
 * with the report's fields, `status: ended`, and `updatedAt` the report's time (VAPI changes
 * the call when post-processing ends, then sends the report).
 */
export function callFromReport(body: unknown): FakeCall {
  const message = (body as { message: Record<string, unknown> }).message;
  const call = { ...(message.call as Record<string, unknown>) };
  for (const field of CALL_REPORT_FIELDS) {
    if (message[field] !== undefined) call[field] = message[field];
  }
  call.status = 'ended';
  call.updatedAt = new Date(Number(message.timestamp)).toISOString();
  return call as FakeCall;
}
