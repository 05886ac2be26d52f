/**
 * JSON trees that plain objects cannot express, and their text. A generated body is a tree of
 * plain values plus these two nodes; `toJsonText` writes it exactly as a hostile sender could.
 */

/** An object written entry by entry: keys may repeat and `__proto__` is an ordinary key. */
export class RawObject {
  constructor(readonly entries: ReadonlyArray<readonly [string, unknown]>) {}
}

/** A number literal written verbatim (`1e400`, 400 digits, `-0`), beyond what a double prints. */
export class RawNumber {
  constructor(readonly text: string) {}
}

/** `inner` wrapped `depth` times in `[…]` or `{"a":…}`: deep nesting, written in one go. */
export class Nested {
  constructor(
    readonly inner: unknown,
    readonly depth: number,
    readonly asArray: boolean,
  ) {}
}

/** A node of a generated body. */
export type JsonNode = unknown;

/** The entries of an object node, in writing order. */
export function entriesOf(node: JsonNode): Array<readonly [string, unknown]> | undefined {
  if (node instanceof RawObject) return [...node.entries];
  if (isPlainObject(node)) return Object.keys(node).map((key) => [key, node[key]] as const);
  return undefined;
}

export function isPlainObject(node: JsonNode): node is Record<string, unknown> {
  return (
    typeof node === 'object' &&
    node !== null &&
    !Array.isArray(node) &&
    !(node instanceof RawObject) &&
    !(node instanceof RawNumber) &&
    !(node instanceof Nested)
  );
}

/** Plain object with `key` as an own property, even for `__proto__`. */
export function ownObject(entries: ReadonlyArray<readonly [string, unknown]>): RawObject {
  return new RawObject(entries);
}

/**
 * The JSON text of a node. Iterative, so trees nested far deeper than the call stack (the point
 * of some cases) still serialise.
 */
export function toJsonText(root: JsonNode): string {
  const out: string[] = [];
  // A stack of pending writes: a node to serialise, or literal text.
  const stack: Array<{ node: JsonNode } | { text: string }> = [{ node: root }];
  while (stack.length > 0) {
    const item = stack.pop() as { node: JsonNode } | { text: string };
    if ('text' in item) {
      out.push(item.text);
      continue;
    }
    const node = item.node;
    if (node instanceof RawNumber) {
      out.push(node.text);
    } else if (node instanceof Nested) {
      out.push((node.asArray ? '[' : '{"a":').repeat(node.depth));
      stack.push({ text: (node.asArray ? ']' : '}').repeat(node.depth) }, { node: node.inner });
    } else if (
      Array.isArray(node) &&
      node.every((child) => child === null || typeof child !== 'object')
    ) {
      out.push(JSON.stringify(node));
    } else if (Array.isArray(node)) {
      const parts: Array<{ node: JsonNode } | { text: string }> = [{ text: '[' }];
      node.forEach((child, i) => {
        if (i > 0) parts.push({ text: ',' });
        parts.push({ node: child === undefined ? null : child });
      });
      parts.push({ text: ']' });
      for (let i = parts.length - 1; i >= 0; i -= 1) stack.push(parts[i]);
    } else {
      const entries = entriesOf(node);
      if (entries === undefined) {
        out.push(JSON.stringify(node) ?? 'null');
        continue;
      }
      const parts: Array<{ node: JsonNode } | { text: string }> = [{ text: '{' }];
      entries
        .filter(([, value]) => value !== undefined)
        .forEach(([key, value], i) => {
          parts.push({ text: `${i > 0 ? ',' : ''}${JSON.stringify(key)}:` });
          parts.push({ node: value });
        });
      parts.push({ text: '}' });
      for (let i = parts.length - 1; i >= 0; i -= 1) stack.push(parts[i]);
    }
  }
  return out.join('');
}
