import fc from 'fast-check';
import { CALL_STATUSES } from '@app/vapi';
import { MESSAGE_TYPES } from './vapi-messages';
import { Nested, RawNumber, RawObject, entriesOf, type JsonNode } from './json-text';

/**
 * Mutations of a well-formed body: a field removed, a value of the wrong type, `null` inside an
 * array, huge strings and numbers, deep nesting, duplicated keys, prototype keys, a type swapped
 * for another known type. Each mutation picks its target node by preorder index, so fast-check
 * shrinks towards fewer mutations near the root.
 */

/** Values no field expects: every JSON type, edge numbers, hostile strings. */
export const wrongValue: fc.Arbitrary<JsonNode> = fc.oneof(
  fc.constantFrom<JsonNode>(null, true, false, 0, -1, 1.5, '', ' ', [], {}, [null], { id: null }),
  fc.constantFrom<JsonNode>(
    Number.MAX_SAFE_INTEGER,
    Number.MAX_VALUE,
    -Number.MAX_VALUE,
    Number.MIN_VALUE,
    1e21,
    -1e9,
    99_999_999.9999999,
  ),
  fc.constantFrom<JsonNode>(
    new RawNumber('1e400'),
    new RawNumber('-1e400'),
    new RawNumber('-0'),
    new RawNumber('9'.repeat(400)),
    new RawNumber(`0.${'0'.repeat(400)}1`),
  ),
  fc.constantFrom<JsonNode>(
    '\u0000',
    'a\u0000b',
    '\ud800',
    'x\udc00y',
    '\uffff\ufeff',
    '👩‍👩‍👧‍👦',
    '\u202e\u0301',
    'NaN',
    'Infinity',
    '1e400',
    '-0',
    '0x10',
    '2026-13-45T99:99:99Z',
    '+275760-09-13T00:00:00.000Z',
    '-271821-04-20T00:00:00.000Z',
    '__proto__',
    'constructor',
    'toString',
    '<script>alert(1)</script>',
    "'; DROP TABLE calls; --",
    '../../etc/passwd',
    '%s%n%x',
  ),
  fc.constantFrom(...MESSAGE_TYPES, ...CALL_STATUSES),
  fc.jsonValue({ maxDepth: 2 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
);

/** Strings and numbers far larger than any real field (sizes that keep a run fast). */
export const hugeValue: fc.Arbitrary<JsonNode> = fc.oneof(
  fc
    .tuple(fc.constantFrom(300, 3_000, 70_000, 300_000), fc.constantFrom('a', 'é', '😀', '\\'))
    .map(([n, c]) => c.repeat(n)),
  fc.integer({ min: 300, max: 5_000 }).map((n) => new RawNumber('7'.repeat(n))),
  fc.integer({ min: 10, max: 5_000 }).map((n) => Array.from({ length: n }, () => null)),
);

/** Nesting depths from plausible to far past any call stack. */
const depth = fc.constantFrom(20, 65, 1_000, 10_000, 30_000);

const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

/** A value that, were it merged into an object's prototype, would change what code reads. */
const pollution: fc.Arbitrary<JsonNode> = fc.oneof(
  fc.constantFrom<JsonNode>(
    { type: 'status-update', status: 'ended', id: 'polluted', isAdmin: true },
    { toString: 'x', valueOf: 1, hasOwnProperty: null },
    { prototype: { polluted: true } },
  ),
  wrongValue,
);

export type Mutation =
  | { kind: 'remove'; at: number }
  | { kind: 'replace'; at: number; value: JsonNode }
  | { kind: 'null-in-array'; at: number; index: number }
  | { kind: 'huge'; at: number; value: JsonNode }
  | { kind: 'nest'; at: number; depth: number; asArray: boolean }
  | { kind: 'proto-key'; at: number; key: string; value: JsonNode }
  | { kind: 'duplicate-key'; at: number; value: JsonNode; realFirst: boolean }
  | { kind: 'retype'; at: number; type: string };

const at = fc.nat({ max: 10_000 });

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('remove' as const), at }),
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('replace' as const), at, value: wrongValue }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('null-in-array' as const),
      at,
      index: fc.nat({ max: 5 }),
    }),
  },
  fc.record({ kind: fc.constant('huge' as const), at, value: hugeValue }),
  fc.record({ kind: fc.constant('nest' as const), at, depth, asArray: fc.boolean() }),
  fc.record({
    kind: fc.constant('proto-key' as const),
    at,
    key: fc.constantFrom(...PROTO_KEYS),
    value: pollution,
  }),
  fc.record({
    kind: fc.constant('duplicate-key' as const),
    at,
    value: wrongValue,
    realFirst: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('retype' as const), at, type: fc.constantFrom(...MESSAGE_TYPES) }),
);

/** Applies mutations in order; each rebuilds only the path to its target. */
export function applyMutations(root: JsonNode, mutations: readonly Mutation[]): JsonNode {
  return mutations.reduce(applyMutation, root);
}

function applyMutation(root: JsonNode, mutation: Mutation): JsonNode {
  const size = countNodes(root);
  const target = mutation.at % size;
  return rewriteAt(root, target, (node, parentIsContainer) =>
    mutate(node, mutation, parentIsContainer),
  );
}

/** Sentinel for "remove me from my parent". */
const REMOVE = Symbol('remove');

function mutate(node: JsonNode, m: Mutation, hasParent: boolean): unknown {
  switch (m.kind) {
    case 'remove':
      return hasParent ? REMOVE : node;
    case 'replace':
    case 'huge':
      return m.value;
    case 'null-in-array': {
      if (Array.isArray(node)) {
        const copy = [...node];
        copy.splice(Math.min(m.index, copy.length), 0, null);
        return copy;
      }
      return [null, node];
    }
    case 'nest':
      return new Nested(node, m.depth, m.asArray);
    case 'proto-key': {
      const entries = entriesOf(node);
      return entries ? new RawObject([[m.key, m.value], ...entries]) : node;
    }
    case 'duplicate-key': {
      const entries = entriesOf(node);
      if (!entries || entries.length === 0) return node;
      const [key, real] = entries[entries.length - 1];
      const rest = entries.slice(0, -1);
      return new RawObject(
        m.realFirst
          ? [...rest, [key, real], [key, m.value]]
          : [...rest, [key, m.value], [key, real]],
      );
    }
    case 'retype': {
      const entries = entriesOf(node);
      if (!entries || !entries.some(([key]) => key === 'type')) return node;
      return new RawObject(entries.map(([key, value]) => [key, key === 'type' ? m.type : value]));
    }
  }
}

function childrenOf(node: JsonNode): JsonNode[] {
  if (Array.isArray(node)) return node;
  return entriesOf(node)?.map(([, value]) => value) ?? [];
}

/**
 * Targets lie within this depth and outside huge arrays: a tree an earlier mutation nested
 * 60,000 deep or padded with 20,000 nulls is not walked node by node again.
 */
const MAX_TARGET_DEPTH = 40;
const descends = (node: JsonNode, depth: number): boolean =>
  depth < MAX_TARGET_DEPTH && !(Array.isArray(node) && node.length > 1000);

function countNodes(root: JsonNode): number {
  let count = 0;
  const stack: Array<[JsonNode, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [JsonNode, number];
    count += 1;
    if (descends(node, depth))
      stack.push(...childrenOf(node).map((c): [JsonNode, number] => [c, depth + 1]));
  }
  return count;
}

/**
 * Replaces the node at preorder `index`. Targets sit within the original (shallow) message in
 * practice, but deep wrappers from an earlier mutation are walked without recursion too.
 */
function rewriteAt(
  root: JsonNode,
  index: number,
  replace: (node: JsonNode, hasParent: boolean) => unknown,
): JsonNode {
  // Find the path (child positions) to the target in preorder.
  const path = pathTo(root, index);
  if (path === undefined) return root;
  const nodes: JsonNode[] = [root];
  for (const position of path) nodes.push(childrenOf(nodes[nodes.length - 1])[position]);
  let replacement = replace(nodes[nodes.length - 1], path.length > 0);
  for (let i = path.length - 1; i >= 0; i -= 1) {
    replacement = withChild(nodes[i], path[i], replacement);
  }
  return replacement === REMOVE ? root : replacement;
}

function pathTo(root: JsonNode, index: number): number[] | undefined {
  let seen = 0;
  const stack: Array<{ node: JsonNode; path: number[] }> = [{ node: root, path: [] }];
  while (stack.length > 0) {
    const { node, path } = stack.pop() as { node: JsonNode; path: number[] };
    if (seen === index) return path;
    seen += 1;
    if (!descends(node, path.length)) continue;
    const children = childrenOf(node);
    for (let i = children.length - 1; i >= 0; i -= 1) {
      stack.push({ node: children[i], path: [...path, i] });
    }
  }
  return undefined;
}

function withChild(parent: JsonNode, position: number, child: unknown): JsonNode {
  if (Array.isArray(parent)) {
    const copy = [...parent];
    if (child === REMOVE) copy.splice(position, 1);
    else copy[position] = child;
    return copy;
  }
  const entries = entriesOf(parent) ?? [];
  return new RawObject(
    child === REMOVE
      ? entries.filter((_, i) => i !== position)
      : entries.map(([key, value], i) => [key, i === position ? child : value] as const),
  );
}

/** A body with 0–4 mutations (0 keeps some well-formed traffic in every run). */
export function mutatedBody(base: fc.Arbitrary<JsonNode>): fc.Arbitrary<JsonNode> {
  return fc
    .tuple(base, fc.array(mutationArb, { maxLength: 4 }))
    .map(([body, mutations]) => applyMutations(body, mutations));
}
