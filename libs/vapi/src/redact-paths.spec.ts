import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REDACTED, isCredentialName, redactInPlace, type RedactPlan } from './redact';
import { REDACT_PLAN } from './redact-paths';
import { deriveRedactPlan } from './redact-paths.derive';

const SDK_TYPES = join(
  dirname(require.resolve('@vapi-ai/server-sdk/package.json')),
  'dist/cjs/api/types',
);

/**
 * Credential-like property names the SDK declares only on objects that never appear in a
 * server message, or only inside a field the plan replaces whole (an assistant's
 * `credentials`, which holds the provider credentials: apiKey, authToken, gcpKey, the custom
 * credentials' authentication plans …). Reviewed by hand: a name that is not here and not in
 * the plan fails the test below, so a new credential field in the SDK needs a decision.
 */
const OUTSIDE_MESSAGES = new Set([
  'accessKeyId',
  'accessToken',
  'apiKey',
  'apiSecret',
  'authPassword',
  'authToken',
  'authorizationId',
  'awsAccessKeyId',
  'awsSecretAccessKey',
  'clientSecret',
  'gcpKey',
  'hmacAccessKey',
  'hmacSecret',
  'jwtSecret',
  'ocpApimSubscriptionKey',
  'openAIKey',
  'privateKey',
  'privateKeyId',
  'providerConfigKey',
  'publicKey',
  'refreshToken',
  'secretAccessKey',
  'secretKey',
  'sessionToken',
  'systemKey',
  'token',
  'tokenUri',
  'vonageApplicationPrivateKey',
  // AwsStsCredentials spells its fields in PascalCase.
  'AccessKeyId',
  'SecretAccessKey',
  'SessionToken',
]);

/** Every credential-like property the SDK declares (not enum members, not numbers or flags). */
function sdkCredentialProperties(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of readdirSync(SDK_TYPES).filter((f) => f.endsWith('.d.ts'))) {
    const text = readFileSync(join(SDK_TYPES, file), 'utf8');
    for (const m of text.matchAll(
      /^\s+(?:readonly\s+)?["']?([A-Za-z_][\w]*)["']?\??:\s*([^;]*);/gm,
    )) {
      const [, name, type] = m;
      if (!isCredentialName(name) || /^\s*"/.test(type)) continue;
      if (/^(number|boolean)(\s*\|\s*undefined)?$/.test(type.trim())) continue;
      found.set(name, [...(found.get(name) ?? []), file.replace('.d.ts', '')]);
    }
  }
  return found;
}

/** For each node, the shortest chain of keys leading to it from the root. */
function pathsTo(plan: RedactPlan): Map<string, string[]> {
  const paths = new Map<string, string[]>([[plan.root, []]]);
  const queue = [plan.root];
  while (queue.length > 0) {
    const name = queue.shift() as string;
    for (const [key, child] of Object.entries(plan.nodes[name].children)) {
      if (paths.has(child)) continue;
      paths.set(child, [...(paths.get(name) as string[]), key]);
      queue.push(child);
    }
  }
  return paths;
}

/** A body holding `leaf` at `path`, every other level wrapped in an array as VAPI's lists are. */
function bodyAt(path: string[], leaf: Record<string, unknown>): unknown {
  let value: unknown = leaf;
  for (let i = path.length - 1; i >= 0; i -= 1) {
    value = { [path[i]]: i % 2 === 1 ? [value] : value };
  }
  return value;
}

describe('redaction plan derived from @vapi-ai/server-sdk', () => {
  it('is the plan the installed SDK gives (regenerate redact-paths.ts from the diff if not)', () => {
    expect(deriveRedactPlan()).toEqual(REDACT_PLAN);
  }, 600_000);

  it('lists every credential-like field the SDK declares, or knows why it need not', () => {
    const inPlan = new Set(Object.values(REDACT_PLAN.nodes).flatMap((n) => n.secrets));
    const undecided = [...sdkCredentialProperties()]
      .filter(([name]) => !inPlan.has(name) && !OUTSIDE_MESSAGES.has(name))
      .map(([name, files]) => `${name} (${files.slice(0, 3).join(', ')})`);
    expect(undecided).toEqual([]);
    // The reviewed list stays honest: each name is still declared somewhere.
    const declared = sdkCredentialProperties();
    expect([...OUTSIDE_MESSAGES].filter((name) => !declared.has(name))).toEqual([]);
  });

  it('has the well-known VAPI credential fields among its secrets', () => {
    const secrets = new Set(Object.values(REDACT_PLAN.nodes).flatMap((n) => n.secrets));
    for (const name of [
      'twilioAuthToken',
      'twilioApiKey',
      'twilioApiSecret',
      'twilioAccountSid',
      'credentialId',
      'credentialIds',
      'credentials',
      'callToken',
      'password',
    ]) {
      expect(secrets).toContain(name);
    }
    const headers = Object.values(REDACT_PLAN.nodes).filter((n) => n.headers.includes('headers'));
    expect(headers.map((n) => n.type)).toContain('Server');
  });

  const paths = pathsTo(REDACT_PLAN);
  const cases = Object.entries(REDACT_PLAN.nodes).flatMap(([name, node]) => [
    ...node.secrets.map((key) => [name, key, 'secret'] as const),
    ...node.headers.map((key) => [name, key, 'headers'] as const),
  ]);

  it('reaches every node of the plan from the root', () => {
    expect(Object.keys(REDACT_PLAN.nodes).filter((name) => !paths.has(name))).toEqual([]);
  });

  it.each(cases)('redacts %s.%s (%s) where the types put it', (name, key, kind) => {
    const marker = `marker-${name}-${key}`;
    const path = paths.get(name) as string[];
    const leaf =
      kind === 'secret'
        ? { [key]: marker, neighbour: 'kept' }
        : { [key]: { 'x-api-key': marker }, neighbour: 'kept' };
    const body = bodyAt(path, leaf);
    const text = JSON.stringify(redactInPlace(body));
    expect(text).not.toContain(marker);
    expect(text).toContain(kind === 'secret' ? REDACTED : '"x-api-key"');
    expect(text).toContain('"neighbour":"kept"');
  });
});
