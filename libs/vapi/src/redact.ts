import { isJsonObject, type JsonObject } from './json-value';
import { REDACT_PLAN } from './redact-paths';

/** What a redacted value is replaced with. */
export const REDACTED = '[redacted]';

/** One kind of object in VAPI's messages, as far as redaction cares (see `RedactPlan`). */
export interface RedactPlanNode {
  /** The SDK type(s) this node stands for. */
  type: string;
  /** Keys whose values are credentials. */
  secrets: string[];
  /** Keys holding HTTP headers: names stay, values are replaced. */
  headers: string[];
  /** Keys whose values (objects, or arrays of them) contain credentials further down. */
  children: Record<string, string>;
  /** Every key the SDK declares here; any other key is walked key by key, like unknown data. */
  known: string[];
}

/** Where credentials are in a VAPI body: nodes by name, starting at `root` (the whole body). */
export interface RedactPlan {
  root: string;
  nodes: Record<string, RedactPlanNode>;
}

/**
 * Keys whose values are credentials: `server.secret`, `serverUrlSecret`, `twilioAuthToken`,
 * `twilioApiKey`/`twilioApiSecret`, `twilioAccountSid`, Vonage `credentialId`, bearer/OAuth
 * `token`/`clientSecret`, `Authorization`, private keys.
 */
const SENSITIVE_KEY =
  /secret|password|token|apikey|api_key|privatekey|private_key|credential|authorization|twilioaccountsid/i;
/** Cost counters (`promptTokens`, `llmCompletionTokens`, …) match `token` but are not secrets. */
const COUNTER_KEY = /tokens$/i;
/** Every value of a `headers` object (e.g. `server.headers`) may carry an auth header. */
const HEADERS_KEY = /^headers$/i;

interface Node {
  secrets: ReadonlySet<string>;
  headers: ReadonlySet<string>;
  children: Map<string, Node>;
  known: ReadonlySet<string>;
}

function compile(plan: RedactPlan): { root: Node; byType: Map<string, Node> } {
  const nodes = new Map<string, Node>();
  for (const [name, n] of Object.entries(plan.nodes)) {
    nodes.set(name, {
      secrets: new Set(n.secrets),
      headers: new Set(n.headers),
      children: new Map(),
      known: new Set(n.known),
    });
  }
  const byType = new Map<string, Node>();
  for (const [name, n] of Object.entries(plan.nodes)) {
    const node = nodes.get(name) as Node;
    byType.set(n.type, node);
    for (const [key, child] of Object.entries(n.children)) {
      const target = nodes.get(child);
      if (target === undefined) throw new Error(`redaction plan: ${name}.${key} -> ${child}?`);
      node.children.set(key, target);
    }
  }
  const root = nodes.get(plan.root);
  if (root === undefined) throw new Error('redaction plan: no root node');
  return { root, byType };
}

const PLAN = compile(REDACT_PLAN);

/**
 * Bodies in either format: VAPI's `{"message": …}` (the SDK's `ServerMessage`) or the legacy
 * `{"type": "call.*", "call": …}`, whose `call` is a VAPI Call.
 */
const ROOT: Node = ((): Node => {
  const call = PLAN.byType.get('Call');
  const children = new Map(PLAN.root.children);
  if (call !== undefined) children.set('call', call);
  return {
    secrets: PLAN.root.secrets,
    headers: PLAN.root.headers,
    children,
    known: new Set([...PLAN.root.known, 'type', 'call']),
  };
})();

/**
 * Replaces credential values of a parsed JSON body by `"[redacted]"`, in place, and returns it.
 * Only the paths where VAPI's types put credentials are visited (`REDACT_PLAN`, derived from
 * @vapi-ai/server-sdk), so transcripts, messages and analyses, the bulk of a report, are never
 * walked. Keys the types do not declare are checked by name, like any unknown data: a field
 * VAPI adds tomorrow is still caught if it is named like a credential. Only string, object and
 * array values are replaced, so numeric counters stay. Expects JSON.
 */
export function redactInPlace<T>(body: T): T {
  walk(body, ROOT);
  return body;
}

/** A redacted copy of a parsed JSON body, leaving the input untouched (see `redactInPlace`). */
export function redactPayload(body: unknown): unknown {
  return redactInPlace(structuredClone(body));
}

function walk(value: unknown, node: Node): void {
  if (Array.isArray(value)) {
    for (const item of value) walk(item, node);
    return;
  }
  if (!isJsonObject(value)) return;
  for (const key of Object.keys(value)) {
    if (node.secrets.has(key)) {
      if (isSecretShaped(value[key])) value[key] = REDACTED;
      continue;
    }
    const child = node.children.get(key);
    if (child !== undefined) walk(value[key], child);
    else if (node.headers.has(key) || !node.known.has(key)) redactEntry(value, key);
  }
}

/** The name-based rules, for one entry of data the plan does not describe. */
function redactEntry(parent: JsonObject, key: string): void {
  const value = parent[key];
  if (HEADERS_KEY.test(key) && isJsonObject(value)) {
    // Header names stay visible for debugging; their values may be credentials.
    parent[key] = Object.fromEntries(Object.keys(value).map((name) => [name, REDACTED]));
  } else if ((HEADERS_KEY.test(key) || isSensitiveKey(key)) && isSecretShaped(value)) {
    parent[key] = REDACTED;
  } else if (Array.isArray(value)) {
    for (const item of value) redactUnknown(item);
  } else {
    redactUnknown(value);
  }
}

function redactUnknown(value: unknown): void {
  if (Array.isArray(value)) {
    for (const item of value) redactUnknown(item);
    return;
  }
  if (!isJsonObject(value)) return;
  for (const key of Object.keys(value)) redactEntry(value, key);
}

function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key) && !COUNTER_KEY.test(key);
}

/**
 * Key names that hold credentials in VAPI's types: the sensitive words, plus camel-case `…Key`
 * and `…KeyId` (`gcpKey`, `openAIKey`, `awsAccessKeyId`); a bare `key` is a name, not a secret.
 */
export function isCredentialName(key: string): boolean {
  return isSensitiveKey(key) || /[A-Za-z0-9](?:Key|KeyId)$/.test(key);
}

function isSecretShaped(value: unknown): boolean {
  return typeof value === 'string' || (typeof value === 'object' && value !== null);
}
