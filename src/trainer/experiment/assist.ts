/**
 * Completion and hover for experiment files: method and setting names with their docs (from the
 * method specs), the file's own keys (fields.ts), and the values a choice allows.
 */
import { isPair, isScalar, isSeq, parseDocument, visit, type Node } from 'yaml';
import {
  GRID_FIELDS,
  RUN_ENTRY_FIELDS,
  TOP_FIELDS,
  describeRange,
  type FieldSpec,
} from '../../common/experiment/fields.js';
import { isMethodName, METHOD_NAMES, METHOD_SPECS, settingKind } from '../../common/methods/index.js';
import type { SettingSpec } from '../../common/methods/spec.js';
import type { MethodName } from '../../protocol/run.js';
import { cursorContext, methodsAt } from './context.js';

export interface Suggestion {
  label: string;
  kind: 'method' | 'setting' | 'field' | 'value';
  detail: string;
  doc: string;
}

const FIELDS_AT: Record<string, Record<string, FieldSpec>> = {
  '': TOP_FIELDS,
  runs: RUN_ENTRY_FIELDS,
  grid: GRID_FIELDS,
};

/** Markdown for a setting: its doc, type and range, default, and the paper's value where ours differs. */
export function settingDoc(method: MethodName, key: string, s: SettingSpec): string {
  const range = `${settingKind(s)}${s.unit ? ` (${s.unit})` : ''}`;
  const lines = [
    `**${key}** (${METHOD_SPECS[method].label}): ${s.doc}`,
    '',
    `${range} · default \`${String(s.default)}\``,
  ];
  if (s.paper) lines.push('', `Paper: \`${String(s.paper.value)}\` — ours differs: ${s.paper.why}`);
  return lines.join('\n');
}

function methodDoc(m: MethodName): string {
  const s = METHOD_SPECS[m];
  return `**${s.label}**: ${s.description}\n\nDefaults: ${s.defaults.epochs} epochs, batch ${s.defaults.batchSize}, learning rate ${s.defaults.learningRate}`;
}

/** A setting of the methods in scope (the first that has it). */
function settingOf(
  methods: readonly MethodName[],
  key: string,
): { method: MethodName; spec: SettingSpec } | undefined {
  for (const m of methods)
    if (Object.hasOwn(METHOD_SPECS[m].settings, key))
      return { method: m, spec: METHOD_SPECS[m].settings[key]! };
  return undefined;
}

export function complete(text: string, offset: number): Suggestion[] {
  const ctx = cursorContext(text, offset);
  const inSettings =
    ctx.path.length === 2 && ctx.path[1] === 'settings' && (ctx.path[0] === 'runs' || ctx.path[0] === 'grid');
  const methods = ctx.methods.length > 0 ? ctx.methods : METHOD_NAMES;
  if (ctx.kind === 'key' && inSettings) {
    const seen = new Set<string>();
    return methods.flatMap((m) =>
      Object.entries(METHOD_SPECS[m].settings)
        .filter(([k]) => !seen.has(k) && seen.add(k))
        .map(([k, s]) => ({
          label: k,
          kind: 'setting' as const,
          detail: `${METHOD_SPECS[m].label} · default ${String(s.default)}`,
          doc: settingDoc(m, k, s),
        })),
    );
  }
  const fields = ctx.path.length <= 1 ? FIELDS_AT[ctx.path[0] ?? ''] : undefined;
  if (ctx.kind === 'key' && fields)
    return Object.entries(fields).map(([k, f]) => ({
      label: k,
      kind: 'field',
      detail: describeRange(f),
      doc: f.doc,
    }));
  if (ctx.kind !== 'value' || !ctx.key) return [];
  if (ctx.key === 'method' || ctx.key === 'methods') {
    return METHOD_NAMES.map((m) => ({
      label: m,
      kind: 'method',
      detail: METHOD_SPECS[m].description,
      doc: methodDoc(m),
    }));
  }
  const choices = inSettings ? settingOf(methods, ctx.key)?.spec.choices : fields?.[ctx.key]?.choices;
  return (choices ?? []).map((c) => ({ label: c, kind: 'value', detail: ctx.key!, doc: '' }));
}

/** Markdown for what is under the cursor (a setting, a field or a method name), with its text range. */
export function hover(
  text: string,
  offset: number,
): { markdown: string; start: number; end: number } | undefined {
  const doc = parseDocument(text);
  let found: { markdown: string; start: number; end: number } | undefined;
  visit(doc, {
    Pair(_, pair, path) {
      const key = pair.key as Node | null;
      const value = pair.value as Node | null;
      const keys = path.filter(isPair).map((p) => (isScalar(p.key) ? String(p.key.value) : ''));
      const name = isScalar(key) ? String(key.value) : '';
      const onKey = key?.range && offset >= key.range[0] && offset <= key.range[1];
      const onValue = value?.range && offset >= value.range[0] && offset <= value.range[1];
      if (!onKey && !(onValue && isScalar(value))) {
        if (onValue && name === 'methods' && isSeq(value)) {
          const item = (value.items as Node[]).find(
            (n) => n.range && offset >= n.range[0] && offset <= n.range[1],
          );
          if (isScalar(item) && isMethodName(item.value))
            found = {
              markdown: methodDoc(item.value as MethodName),
              start: item.range![0],
              end: item.range![1],
            };
        }
        return;
      }
      const range = onKey ? key!.range! : value!.range!;
      const at = { start: range[0], end: range[1] };
      if (onValue && name === 'method' && isScalar(value) && isMethodName(value.value)) {
        found = { markdown: methodDoc(value.value as MethodName), ...at };
        return visit.BREAK;
      }
      if (!onKey) return;
      if (keys.at(-1) === 'settings') {
        const section = keys[0];
        const methods = methodsAt(doc, offset, section);
        const s = settingOf(methods.length > 0 ? methods : METHOD_NAMES, name);
        if (s) found = { markdown: settingDoc(s.method, name, s.spec), ...at };
        return visit.BREAK;
      }
      const field = FIELDS_AT[keys[0] ?? '']?.[name];
      if (field && keys.length <= 1)
        found = { markdown: `**${name}**: ${field.doc}\n\n${describeRange(field)}`, ...at };
      return visit.BREAK;
    },
  });
  return found;
}
