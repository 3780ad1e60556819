/**
 * Where the cursor is in an experiment file, for completion and hover: the keys it is nested
 * under (read from indentation, so a half-typed line still counts) and the methods in scope
 * (the run item's method, or the grid's methods, read from the tolerant YAML parse).
 */
import { isMap, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import { isMethodName } from '../../common/methods/index.js';
import type { MethodName } from '../../protocol/run.js';

export interface CursorContext {
  /** Enclosing keys from the top, e.g. ['runs', 'settings']. */
  path: string[];
  /** Typing a key, or the value of `key`. */
  kind: 'key' | 'value';
  key?: string;
  /** Methods whose settings apply here. */
  methods: MethodName[];
}

const indentOf = (line: string) => line.length - line.trimStart().length;

/** The keys enclosing a position at `indent` on line `row`. */
function enclosingKeys(lines: string[], row: number, indent: number): string[] {
  const path: string[] = [];
  for (let i = row - 1; i >= 0 && indent > 0; i--) {
    const line = lines[i]!;
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const at = indentOf(line);
    if (at >= indent) continue;
    const item = /^\s*-\s+/.exec(line);
    // A list item's keys sit past its dash: "  - method: cc" holds keys at column 4.
    const keyAt = item ? item[0].length : at;
    const key = /^\s*(?:-\s+)?([\w.-]+)\s*:/.exec(line)?.[1];
    if (key && keyAt < indent) path.unshift(key);
    indent = at;
  }
  return path;
}

function methodsIn(node: unknown): MethodName[] {
  const items = isSeq(node) ? (node.items as unknown[]) : [node];
  return items.map((n) => (isScalar(n) ? String(n.value) : '')).filter(isMethodName);
}

/** The methods of the run item or grid around `offset`. */
export function methodsAt(doc: Document, offset: number, section: string | undefined): MethodName[] {
  if (!isMap(doc.contents)) return [];
  const node = doc.contents.get(section ?? '', true) as Node | undefined;
  if (section === 'grid' && isMap(node)) return methodsIn(node.get('methods', true));
  if (section !== 'runs' || !isSeq(node)) return [];
  // The item that starts last before the cursor (a half-typed line may end the item's range early).
  let found: MethodName[] = [];
  for (const item of node.items as Node[]) {
    if (!isMap(item) || !item.range || item.range[0] > offset) continue;
    found = methodsIn(item.get('method', true));
  }
  return found;
}

export function cursorContext(
  text: string,
  offset: number,
  doc: Document = parseDocument(text),
): CursorContext {
  const before = text.slice(0, offset);
  const row = before.split('\n').length - 1;
  const lines = text.split('\n');
  const prefix = before.slice(before.lastIndexOf('\n') + 1);
  const valueOf = /^(\s*)(?:-\s+)?([\w.-]+)\s*:\s*(?:\[[^\]]*)?[\w.-]*$/.exec(prefix);
  const itemOnly = /^(\s*)-\s+[\w.-]*$/.exec(prefix);
  const indent = /^\s*(?:-\s+)?/.exec(prefix)![0].length;
  const path = enclosingKeys(lines, row, indent);
  const methods = methodsAt(doc, offset, path[0]);
  if (valueOf) return { path, kind: 'value', key: valueOf[2]!, methods };
  // "- cc" under methods: a value of the list's key.
  if (itemOnly && path.length > 0 && path.at(-1) === 'methods')
    return { path: path.slice(0, -1), kind: 'value', key: 'methods', methods };
  return { path, kind: 'key', methods };
}
