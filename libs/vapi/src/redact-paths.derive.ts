import { dirname, join } from 'node:path';
import * as ts from 'typescript';
import { isCredentialName, type RedactPlan, type RedactPlanNode } from './redact';

/**
 * Derives the redaction plan (`REDACT_PLAN` in redact-paths.ts) from the TypeScript types of
 * `@vapi-ai/server-sdk`, starting at `ServerMessage`: which keys of which objects hold
 * credentials, and which keys lead to objects that do. Test-time only (it loads the compiler);
 * redact-paths.spec checks that the committed plan is what the installed SDK gives.
 */
export function deriveRedactPlan(): RedactPlan {
  const sdkTypes = join(
    dirname(require.resolve('@vapi-ai/server-sdk/package.json')),
    'dist/cjs/api/types/index.d.ts',
  );
  const program = ts.createProgram([sdkTypes], { noEmit: true, skipLibCheck: true });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(sdkTypes);
  if (source === undefined) throw new Error(`cannot read ${sdkTypes}`);
  const rootSymbol = checker
    .getExportsOfModule(checker.getSymbolAtLocation(source) as ts.Symbol)
    .find((s) => s.name === 'ServerMessage');
  if (rootSymbol === undefined) throw new Error('ServerMessage not found in the SDK types');

  interface Draft {
    known: Set<string>;
    open: Set<string>;
    secrets: Set<string>;
    headers: Set<string>;
    children: Map<string, string>;
  }
  const drafts = new Map<string, Draft>();

  /** Object types a property's value may be, looking through unions, arrays and null. */
  const objectTypes = (type: ts.Type): ts.Type[] => {
    if (type.isUnion()) return type.types.flatMap(objectTypes);
    if (checker.isArrayType(type) || checker.isTupleType(type)) {
      return checker.getTypeArguments(type as ts.TypeReference).flatMap(objectTypes);
    }
    if (!(type.flags & ts.TypeFlags.Object) && !type.isIntersection()) return [];
    return checker.getPropertiesOfType(type).length > 0 ? [type] : [];
  };

  const isNumeric = (type: ts.Type): boolean =>
    (type.isUnion() ? type.types : [type]).every(
      (t) =>
        (t.flags &
          (ts.TypeFlags.NumberLike |
            ts.TypeFlags.BooleanLike |
            ts.TypeFlags.Undefined |
            ts.TypeFlags.Null)) !==
        0,
    );

  /** Any, unknown or a string-keyed map, looking through unions and arrays. */
  const isOpen = (type: ts.Type): boolean => {
    if (type.isUnion()) return type.types.some(isOpen);
    if (checker.isArrayType(type) || checker.isTupleType(type)) {
      return checker.getTypeArguments(type as ts.TypeReference).some(isOpen);
    }
    if ((type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) !== 0) return true;
    return (
      (type.flags & ts.TypeFlags.Object) !== 0 &&
      checker
        .getIndexInfosOfType(type)
        .some((info) => (info.keyType.flags & ts.TypeFlags.String) !== 0)
    );
  };

  const nameOf = (type: ts.Type): string => {
    const symbol = type.aliasSymbol ?? type.getSymbol();
    const name = symbol ? checker.getFullyQualifiedName(symbol).replace(/^".*"\./, '') : '';
    return name === '' || name === '__type' || name === '__object'
      ? `{${checker.typeToString(type)}}`
      : name;
  };

  /** The node of a set of object types (a union is one node with every member's keys). */
  const nodeOf = (types: ts.Type[]): string => {
    const unique = [...new Map(types.map((t) => [nameOf(t), t])).entries()].sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    const id = unique.map(([name]) => name).join(' | ');
    if (drafts.has(id)) return id;
    const draft: Draft = {
      known: new Set(),
      open: new Set(),
      secrets: new Set(),
      headers: new Set(),
      children: new Map(),
    };
    drafts.set(id, draft);
    const byKey = new Map<string, ts.Type[]>();
    for (const [, type] of unique) {
      for (const property of checker.getPropertiesOfType(type)) {
        const key = property.name;
        draft.known.add(key);
        const propertyType = checker.getTypeOfSymbol(property);
        // Counters (`tokenCount`) match the words but are numbers, which are never replaced.
        if (isCredentialName(key) && !isNumeric(propertyType)) {
          draft.secrets.add(key);
          continue;
        }
        if (key.toLowerCase() === 'headers') {
          draft.headers.add(key);
          continue;
        }
        // Open maps (`Record<string, unknown>`: metadata, variable values, tool arguments) hold
        // the customer's own data, shaped by nobody's types: left undeclared, so the walk checks
        // their keys by name.
        if (isOpen(propertyType)) draft.open.add(key);
        byKey.set(key, [...(byKey.get(key) ?? []), ...objectTypes(propertyType)]);
      }
    }
    for (const [key, types] of byKey) {
      const closed = types.filter((t) => checker.getIndexInfosOfType(t).length === 0);
      if (closed.length > 0) draft.children.set(key, nodeOf(closed));
    }
    return id;
  };

  const root = nodeOf([checker.getDeclaredTypeOfSymbol(rootSymbol)]);

  // Keep only nodes from which a credential can be reached; the walk skips the rest.
  const relevant = new Set<string>();
  let changed = true;
  while (changed) {
    changed = false;
    for (const [id, draft] of drafts) {
      if (relevant.has(id)) continue;
      if (
        draft.secrets.size > 0 ||
        draft.headers.size > 0 ||
        [...draft.children.values()].some((child) => relevant.has(child))
      ) {
        relevant.add(id);
        changed = true;
      }
    }
  }
  // Short, stable names (n0, n1, …) in the order a breadth-first walk from the root meets them.
  const order: string[] = [root];
  for (let i = 0; i < order.length; i += 1) {
    for (const child of drafts.get(order[i])?.children.values() ?? []) {
      if (relevant.has(child) && !order.includes(child)) order.push(child);
    }
  }
  const short = new Map(order.map((id, i) => [id, `n${i}`]));
  const nodes: Record<string, RedactPlanNode> = {};
  for (const id of order) {
    const draft = drafts.get(id) as Draft;
    const children: Record<string, string> = {};
    for (const [key, child] of [...draft.children].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (relevant.has(child)) children[key] = short.get(child) as string;
    }
    nodes[short.get(id) as string] = {
      type: id,
      secrets: [...draft.secrets].sort(),
      headers: [...draft.headers].sort(),
      children,
      known: [...draft.known].filter((key) => !draft.open.has(key)).sort(),
    };
  }
  return { root: 'n0', nodes };
}
