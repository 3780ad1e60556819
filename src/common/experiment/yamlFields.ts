/**
 * An experiment file's YAML nodes read against its field specs: where each value was written,
 * the problems found at their text, unknown or repeated keys, and scalar or list fields checked
 * against their ranges. parse.ts builds the experiment from these.
 */
import { isAlias, isScalar, isSeq, type Node, type Pair, type YAMLMap } from 'yaml';
import { nearestName } from '../methods/index.js';
import { shown, shownText } from '../shown.js';
import type { ExperimentProblem, Span } from './format.js';
import { describeRange, fits, type FieldSpec } from './fields.js';

/** A scalar and where it was written. */
export interface Located<T> {
  value: T;
  span: Span;
}

export class Problems {
  readonly list: ExperimentProblem[] = [];
  error(span: Span, message: string): void {
    this.list.push({ message, span, severity: 'error' });
  }
}

export function spanOf(node: Node | null | undefined, fallback: Span = { start: 0, end: 0 }): Span {
  const r = node?.range;
  return r ? { start: r[0], end: r[1] } : fallback;
}

export function keyName(p: Pair): string {
  return isScalar(p.key) ? String(p.key.value) : String(p.key);
}

/** The map's pairs by key; unknown keys are reported with the nearest known one. */
export function readMap(
  node: YAMLMap,
  fields: Record<string, FieldSpec>,
  where: string,
  problems: Problems,
): Map<string, Pair> {
  const out = new Map<string, Pair>();
  for (const p of node.items) {
    const key = keyName(p);
    const span = spanOf(p.key as Node);
    if (!Object.hasOwn(fields, key)) {
      const near = nearestName(key, Object.keys(fields));
      problems.error(
        span,
        `unknown key '${shownText(key)}' ${where}${near ? `; did you mean '${near}'?` : ''}`,
      );
    } else if (out.has(key)) problems.error(span, `'${key}' is given twice ${where}`);
    else out.set(key, p);
  }
  return out;
}

/** A scalar field's value if it fits the field, else undefined (and a problem). */
export function scalar<T>(
  pairs: Map<string, Pair>,
  key: string,
  fields: Record<string, FieldSpec>,
  problems: Problems,
): Located<T> | undefined {
  const p = pairs.get(key);
  if (!p) return undefined;
  const node = p.value as Node | null;
  const span = spanOf(node, spanOf(p.key as Node));
  const v = isScalar(node) ? node.value : undefined;
  if (!fits(fields[key]!, v)) {
    problems.error(span, `${key} must be ${describeRange(fields[key]!)}${got(node, v)}`);
    return undefined;
  }
  return { value: v as T, span };
}

/** What a refused value was, for its message: ` (got 'text')`, an alias named as one, or nothing for a list or map. */
export function got(node: Node | null | undefined, v: unknown): string {
  if (isAlias(node))
    return ` (got the alias *${shownText(node.source)}: aliases are not followed in experiment files, write the value out)`;
  return v === undefined || v === null ? '' : ` (got ${shown(v)})`;
}

/** A grid field: one value or a list of them, each checked. */
export function oneOrList<T>(
  pairs: Map<string, Pair>,
  key: string,
  fields: Record<string, FieldSpec>,
  problems: Problems,
): Located<T>[] | undefined {
  const p = pairs.get(key);
  if (!p) return undefined;
  if (!isSeq(p.value)) {
    const one = scalar<T>(pairs, key, fields, problems);
    return one ? [one] : [];
  }
  const out: Located<T>[] = [];
  for (const item of p.value.items as Node[]) {
    const v = isScalar(item) ? item.value : undefined;
    if (fits(fields[key]!, v)) out.push({ value: v as T, span: spanOf(item) });
    else problems.error(spanOf(item), `each of ${key} must be ${describeRange(fields[key]!)}${got(item, v)}`);
  }
  if (p.value.items.length === 0) problems.error(spanOf(p.value as Node), `${key} is an empty list`);
  return out;
}
