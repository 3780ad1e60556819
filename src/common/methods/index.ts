/**
 * Every clustering method's spec, and the one parser of method settings: the command line, the
 * trainer (before a run starts), the language server and the extension's quick picks all check
 * settings here, so they say the same thing about the same mistake.
 *
 * Adding a method: its spec file here, its trainer in src/trainer/methods, and one line in each
 * index (METHOD_NAMES + METHOD_SPECS below, TRAINERS in src/trainer/methods/index.ts).
 */
import { CC_SPEC } from './cc.js';
import { DEEPCLUSTER_SPEC } from './deepcluster.js';
import { KMEANS_SPEC } from './kmeans.js';
import { SCAN_SPEC } from './scan.js';
import { SCANHEAD_SPEC } from './scanhead.js';
import { TEMI_SPEC } from './temi.js';
import type { MethodSpec, SettingSpec } from './spec.js';
import { shown, shownText } from '../shown.js';

export type {
  MethodSpec,
  SeriesSpec,
  SettingSpec,
  SettingsOf,
  SettingValue,
  StageSpec,
  StageWarning,
} from './spec.js';

/** In the order lists offer them. */
export const METHOD_NAMES = ['cc', 'scan', 'deepcluster', 'kmeans', 'scanhead', 'temi'] as const;
export type MethodName = (typeof METHOD_NAMES)[number];

export const METHOD_SPECS: Record<MethodName, MethodSpec> = {
  cc: CC_SPEC,
  scan: SCAN_SPEC,
  deepcluster: DEEPCLUSTER_SPEC,
  kmeans: KMEANS_SPEC,
  scanhead: SCANHEAD_SPEC,
  temi: TEMI_SPEC,
};

export type SettingResult = { ok: true; value: number | string | boolean } | { ok: false; error: string };

export function methodSpec(name: string): MethodSpec | undefined {
  return Object.hasOwn(METHOD_SPECS, name) ? METHOD_SPECS[name as MethodName] : undefined;
}

/** A method that clusters embeddings (a feature model's, or flattened pixels) rather than training on images. */
export function isEmbeddingMethod(name: MethodName): boolean {
  return METHOD_SPECS[name].input === 'embeddings';
}

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && methodSpec(name) !== undefined;
}

/** "a number from 0 to 1", "a whole number of at least 1", "backbone or projection", "true or false". */
export function settingKind(s: SettingSpec): string {
  if (s.type === 'boolean') return 'true or false';
  if (s.type === 'choice') return orList(s.choices ?? []);
  const what = s.type === 'integer' ? 'a whole number' : 'a number';
  if (s.min !== undefined && s.max !== undefined) return `${what} from ${s.min} to ${s.max}`;
  if (s.min !== undefined) return `${what} of at least ${s.min}`;
  return s.max !== undefined ? `${what} of at most ${s.max}` : what;
}

function orList(items: readonly string[]): string {
  return items.length < 2 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

/**
 * One setting's value, typed: numbers and booleans may come as text (a command line, an input box),
 * and are read the same way as typed values.
 */
export function checkSetting(spec: MethodSpec, key: string, value: unknown): SettingResult {
  const s = Object.hasOwn(spec.settings, key) ? spec.settings[key] : undefined;
  if (!s) {
    const near = nearestName(key, Object.keys(spec.settings));
    const hint = near ? `did you mean '${near}'?` : `its settings are ${orList(Object.keys(spec.settings))}`;
    return { ok: false, error: `unknown setting '${shownText(key)}' for ${spec.name}; ${hint}` };
  }
  const text = typeof value === 'string' ? value.trim() : undefined;
  // Text that reads as a number is shown as one: `--param threshold=1.5` got 1.5, not '1.5'.
  const got = text && Number.isFinite(Number(text)) ? Number(text) : value;
  const fail = (): SettingResult => ({
    ok: false,
    error: `${spec.name} setting ${key} must be ${settingKind(s)} (got ${shown(got)})`,
  });
  switch (s.type) {
    case 'boolean':
      if (typeof value === 'boolean') return { ok: true, value };
      return text === 'true' || text === 'false' ? { ok: true, value: text === 'true' } : fail();
    case 'choice':
      return text !== undefined && (s.choices ?? []).includes(text) ? { ok: true, value: text } : fail();
    case 'number':
    case 'integer': {
      const n = typeof value === 'number' ? value : text ? Number(text) : NaN;
      if (!Number.isFinite(n) || (s.type === 'integer' && !Number.isInteger(n))) return fail();
      if ((s.min !== undefined && n < s.min) || (s.max !== undefined && n > s.max)) return fail();
      return { ok: true, value: n };
    }
  }
}

/**
 * Every given setting checked, and the defaults filled in (not those the trainer derives, such as
 * SCAN's stage lengths, which stay absent unless given).
 */
export function parseSettings(
  spec: MethodSpec,
  raw: Record<string, unknown>,
): { settings: Record<string, number | string | boolean>; errors: { key: string; error: string }[] } {
  const settings: Record<string, number | string | boolean> = {};
  for (const [key, s] of Object.entries(spec.settings))
    if (s.derived === undefined) settings[key] = s.default;
  const errors: { key: string; error: string }[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const r = checkSetting(spec, key, value);
    if (r.ok) settings[key] = r.value;
    else errors.push({ key, error: r.error });
  }
  return { settings, errors };
}

/**
 * The candidate a misspelt name most likely meant: fewest edits (a swap of two neighbouring letters
 * is one), ignoring case, and close enough to be a typo rather than another word.
 */
export function nearestName(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    // At least the length difference apart: past a third of the name's length it cannot be a typo,
    // so a long name (a 5 MB key) is not aligned with every candidate.
    if (name.length > 1.5 * c.length + 3) continue;
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}
