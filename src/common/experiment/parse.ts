/**
 * Reads an experiment file: YAML (the `yaml` package, which keeps every node's offsets) checked
 * against fields.ts and the method specs, then expanded by grid.ts. Pure: no file is read here
 * (the dataset checks are dataset.ts), so the language server can run it on every keystroke.
 * Every mistake becomes a problem at the text it is about; the runs that are fine still expand.
 */
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { isAlias, isMap, isScalar, isSeq, parseDocument, type Node, type Pair } from 'yaml';
import { checkSetting, METHOD_NAMES, methodSpec, nearestName, settingKind } from '../methods/index.js';
import type { MethodName } from '../../protocol/run.js';
import { NAME_MAX, nameProblem } from '../runPlace.js';
import { shown, shownText } from '../shown.js';
import {
  DEFAULT_MAX_RUNS,
  EXPERIMENT_MAX_CHARS,
  EXPERIMENT_SUFFIX,
  tooLong,
  type Experiment,
  type RunFieldValues,
  type Span,
} from './format.js';
import {
  GRID_FIELDS,
  PER_RUN_FIELDS,
  RUN_ENTRY_FIELDS,
  TOP_FIELDS,
  TOP_ONLY_FIELDS,
  type FieldSpec,
} from './fields.js';
import { got, keyName, oneOrList, Problems, readMap, scalar, spanOf, type Located } from './yamlFields.js';
import { expandGrid, expandRuns, gridSize, type GridSpec, type RunSpec, type Shared } from './grid.js';
import { channelsOf, runField, type Colour, type RunFieldName } from '../runFields.js';

function method(
  node: Node | null | undefined,
  span: Span,
  problems: Problems,
): Located<MethodName> | undefined {
  const v = isScalar(node) ? node.value : undefined;
  if (typeof v === 'string' && methodSpec(v)) return { value: v as MethodName, span: spanOf(node) };
  const near = typeof v === 'string' ? nearestName(v, METHOD_NAMES) : undefined;
  problems.error(
    node ? spanOf(node) : span,
    `unknown method '${String(v ?? '')}'; ${near ? `did you mean '${near}'?` : `expected one of ${METHOD_NAMES.join(', ')}`}`,
  );
  return undefined;
}

/** `settings:` of a run, each value checked against the method's spec (only what is written goes to the run). */
function runSettings(node: Node | null | undefined, m: MethodName, problems: Problems): RunSpec['settings'] {
  const out: RunSpec['settings'] = {};
  if (node == null) return out;
  if (!isMap(node)) {
    problems.error(spanOf(node), 'settings must be a map of setting names to values');
    return out;
  }
  const seen = new Set<string>();
  for (const p of node.items) {
    const key = keyName(p);
    if (seen.has(key)) {
      problems.error(spanOf(p.key as Node), `'${shownText(key)}' is given twice in settings`);
      continue;
    }
    seen.add(key);
    const value = isScalar(p.value) ? p.value.value : undefined;
    const r = checkSettingValue(m, key, value, p.value as Node);
    if (r)
      problems.error(
        r.onKey ? spanOf(p.key as Node) : spanOf(p.value as Node, spanOf(p.key as Node)),
        r.error,
      );
    else out[key] = value as number | string | boolean;
  }
  return out;
}

/**
 * One setting value checked by the method's spec: undefined when fine; an unknown name is reported
 * on the key. Unlike the command line's text, a quoted "0.2" in YAML is a string: refused for a
 * number or a boolean, so the file says what it means.
 */
export function checkSettingValue(
  m: MethodName,
  key: string,
  value: unknown,
  node?: Node | null,
): { error: string; onKey: boolean } | undefined {
  const spec = methodSpec(m)!;
  const s = Object.hasOwn(spec.settings, key) ? spec.settings[key]! : undefined;
  if (s && s.type !== 'choice' && typeof value === 'string') {
    return {
      error: `${m} setting ${key} must be ${settingKind(s)} (got ${shown(value)}, a string: write it without quotes)`,
      onKey: false,
    };
  }
  if (s && isAlias(node)) return { error: `${m} setting ${key}${got(node, value)}`, onKey: false };
  const r = checkSetting(spec, key, value);
  return r.ok ? undefined : { error: r.error, onKey: !s };
}

/** The run fields a map gives (each checked against its spec), by TrainConfig key, and where each was written. */
function fieldValues(
  pairs: Map<string, Pair>,
  names: readonly RunFieldName[],
  fields: Record<string, FieldSpec>,
  problems: Problems,
): Shared & { values: RunFieldValues } {
  const values: Record<string, unknown> = {};
  const out: Shared = { values };
  for (const name of names) {
    const f = runField(name);
    const v = scalar<number | string>(pairs, f.file!.key, fields, problems);
    if (!v) continue;
    values[f.config] = name === 'colour' ? channelsOf(v.value as Colour) : v.value;
    if (name === 'clusters') out.clustersSpan = v.span;
  }
  return out;
}

function readRuns(node: Node | null | undefined, problems: Problems): RunSpec[] {
  if (node == null) return [];
  if (!isSeq(node)) {
    problems.error(spanOf(node), 'runs must be a list of runs (each "- method: ...")');
    return [];
  }
  const out: RunSpec[] = [];
  for (const item of node.items as Node[]) {
    if (isAlias(item)) {
      problems.error(
        spanOf(item),
        `a run cannot be an alias (*${shownText(item.source)}): aliases are not followed in experiment files; write each run out`,
      );
      continue;
    }
    if (!isMap(item)) {
      problems.error(spanOf(item), 'each run must be a map with at least "method:"');
      continue;
    }
    const pairs = readMap(item, RUN_ENTRY_FIELDS, 'in a run', problems);
    const span = spanOf(item);
    const m = pairs.has('method') ? method(pairs.get('method')!.value as Node, span, problems) : undefined;
    if (!pairs.has('method'))
      problems.error(
        { start: span.start, end: span.start + 1 },
        `a run needs a method (${METHOD_NAMES.join(', ')})`,
      );
    const name = scalar<string>(pairs, 'name', RUN_ENTRY_FIELDS, problems);
    const own = fieldValues(pairs, PER_RUN_FIELDS, RUN_ENTRY_FIELDS, problems);
    if (!m) continue;
    out.push({
      method: m.value,
      span,
      own: own.values,
      settings: runSettings(pairs.get('settings')?.value as Node, m.value, problems),
      ...(name ? { name } : {}),
      ...(own.clustersSpan ? { clustersSpan: own.clustersSpan } : {}),
    });
  }
  return out;
}

function readGrid(node: Node | null | undefined, problems: Problems): GridSpec | undefined {
  if (node == null) return undefined;
  if (!isMap(node)) {
    problems.error(spanOf(node), 'grid must be a map (methods, clusters, seeds, settings, ...)');
    return undefined;
  }
  const pairs = readMap(node, GRID_FIELDS, 'in the grid', problems);
  const methodsNode = pairs.get('methods')?.value as Node | undefined;
  const methods: MethodName[] = [];
  if (!methodsNode)
    problems.error(spanOf(node), `the grid needs methods: a list of ${METHOD_NAMES.join(', ')}`);
  else
    for (const item of isSeq(methodsNode) ? (methodsNode.items as Node[]) : [methodsNode]) {
      const m = method(item, spanOf(methodsNode), problems);
      if (m && !methods.includes(m.value)) methods.push(m.value);
    }
  const grid: GridSpec = {
    span: spanOf(node),
    methods,
    clusters: oneOrList<number>(pairs, 'clusters', GRID_FIELDS, problems),
    seeds: oneOrList<number>(pairs, 'seeds', GRID_FIELDS, problems),
    // The axes are clusters and seeds; every other per-run field is one value for the whole grid.
    own: fieldValues(
      pairs,
      PER_RUN_FIELDS.filter((n) => n !== 'clusters' && n !== 'seed'),
      GRID_FIELDS,
      problems,
    ).values,
    settings: [],
  };
  const settingsNode = pairs.get('settings')?.value as Node | undefined;
  if (settingsNode != null && !isMap(settingsNode))
    problems.error(spanOf(settingsNode), 'grid settings must be a map of setting names to a value or a list');
  else if (settingsNode) {
    const seen = new Set<string>();
    for (const p of settingsNode.items) {
      const key = keyName(p);
      if (seen.has(key))
        problems.error(spanOf(p.key as Node), `'${shownText(key)}' is given twice in the grid's settings`);
      else gridSetting(p, methods, grid, problems);
      seen.add(key);
    }
  }
  return grid;
}

/** A grid setting: known to at least one of the grid's methods, every value fit for each that has it. */
function gridSetting(p: Pair, methods: MethodName[], grid: GridSpec, problems: Problems): void {
  const key = keyName(p);
  const owners = methods.filter((m) => Object.hasOwn(methodSpec(m)!.settings, key));
  if (owners.length === 0) {
    const all = [...new Set(methods.flatMap((m) => Object.keys(methodSpec(m)!.settings)))];
    const near = nearestName(key, all);
    problems.error(
      spanOf(p.key as Node),
      `unknown setting '${shownText(key)}' for ${methods.join(', ') || 'the grid'}${near ? `; did you mean '${near}'?` : ''}`,
    );
    return;
  }
  const items = isSeq(p.value) ? (p.value.items as Node[]) : [p.value as Node];
  const values: (number | string | boolean)[] = [];
  for (const item of items) {
    const v = isScalar(item) ? item.value : undefined;
    const bad = owners.map((m) => checkSettingValue(m, key, v, item)).find((r) => r);
    if (bad) problems.error(spanOf(item, spanOf(p.key as Node)), bad.error);
    else values.push(v as number | string | boolean);
  }
  if (values.length > 0) grid.settings.push({ key, values, owners });
}

/** Flow collections nested deeper than this are refused before parsing (the parser recurses: 20,000 `[` took it a second). */
const MAX_NESTING = 64;

/** Where `[`/`{` first nest past MAX_NESTING, skipping quoted text and comments; undefined when they do not. */
function deepNesting(text: string): number | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '[' || c === '{') {
      if (++depth > MAX_NESTING) return i;
    } else if (c === ']' || c === '}') depth = Math.max(0, depth - 1);
    else if (c === '"' || c === "'") {
      const end = text.indexOf(c, i + 1);
      i = end < 0 ? text.length : end;
    } else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end;
    }
  }
  return undefined;
}

/** Parses and expands an experiment file's text; `file` is its absolute path (data is relative to it). */
export function parseExperiment(text: string, file: string): Experiment {
  const problems = new Problems();
  // Without `name:`, the file's name made fit for folder names (`my sweep` runs in `my-sweep-cc-1`).
  const fileName = basename(file)
    .replace(EXPERIMENT_SUFFIX, '')
    .replace(/[^\w.-]+/g, '-')
    .slice(0, NAME_MAX)
    .replace(/^\.*$/, 'experiment');
  const exp: Experiment = { file, name: fileName, runs: [], expandsTo: 0, problems: problems.list };
  // Checked before parsing: the language server parses on every keystroke, in its one thread.
  if (text.length > EXPERIMENT_MAX_CHARS) {
    problems.error({ start: 0, end: 1 }, `this file is ${tooLong(text.length, 'characters')}`);
    return exp;
  }
  const deep = deepNesting(text);
  if (deep !== undefined) {
    problems.error(
      { start: deep, end: deep + 1 },
      `lists and maps are nested more than ${MAX_NESTING} deep here: an experiment file needs a few levels`,
    );
    return exp;
  }
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: false });
  // The first syntax error only: after it the parser's reading of the rest (every token of a list,
  // often) is noise, and so would be the checks of what it made of it.
  const e = doc.errors[0];
  if (e) {
    problems.error(
      { start: e.pos[0], end: Math.max(e.pos[1], e.pos[0] + 1) },
      shownText(e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')),
    );
    return exp;
  }
  if (!isMap(doc.contents)) {
    problems.error(
      { start: 0, end: Math.min(text.length, 1) },
      'an experiment file is a map: data, then runs and/or grid (see the README)',
    );
    return exp;
  }
  const top = readMap(doc.contents, TOP_FIELDS, 'at the top of an experiment', problems);
  const name = scalar<string>(top, 'name', TOP_FIELDS, problems);
  const badName = name && nameProblem(name.value, 'name');
  if (badName) problems.error(name.span, badName);
  else if (name) exp.name = name.value;
  const data = scalar<string>(top, 'data', TOP_FIELDS, problems);
  if (data) {
    exp.data = isAbsolute(data.value) ? data.value : resolve(dirname(file), data.value);
    exp.dataSpan = data.span;
  } else if (!top.has('data'))
    problems.error(
      { start: 0, end: Math.min(text.length, 1) },
      'data is missing: the image folder, relative to this file',
    );
  const features = scalar<string>(top, 'features', TOP_FIELDS, problems);
  if (features) {
    exp.features = isAbsolute(features.value) ? features.value : resolve(dirname(file), features.value);
    exp.featuresSpan = features.span;
  }
  const maxRuns = scalar<number>(top, 'maxRuns', TOP_FIELDS, problems)?.value ?? DEFAULT_MAX_RUNS;
  const common = fieldValues(top, [...TOP_ONLY_FIELDS, ...PER_RUN_FIELDS], TOP_FIELDS, problems);
  if (common.values.backend) exp.backend = common.values.backend;
  const runs = readRuns(top.get('runs')?.value as Node, problems);
  const grid = readGrid(top.get('grid')?.value as Node, problems);
  if (!top.has('runs') && !top.has('grid'))
    problems.error(
      { start: 0, end: Math.min(text.length, 1) },
      'nothing to run: add runs (a list) or a grid',
    );
  if (grid) exp.gridSpan = grid.span;
  const base = { data: exp.data ?? '', features: exp.features } as const;
  // Counted from the axes before anything is expanded: a short grid may ask for millions of runs.
  exp.expandsTo = runs.length + (grid ? gridSize(grid) : 0);
  if (exp.expandsTo > maxRuns) {
    const count = Number.isSafeInteger(exp.expandsTo) ? String(exp.expandsTo) : exp.expandsTo.toPrecision(3);
    problems.error(
      grid?.span ?? spanOf(top.get('runs')?.key as Node),
      `this experiment expands to ${count} runs, more than maxRuns (${maxRuns}): narrow the grid, or raise maxRuns`,
    );
  } else {
    const all = [...expandRuns(runs, common, base), ...(grid ? expandGrid(grid, common, base) : [])];
    const seen = new Set<string>();
    // One problem per place: a grid whose names are all too long is one mistake, not one per run.
    const badAt = new Set<number>();
    for (const r of all) {
      const bad = nameProblem(r.name, 'a run name');
      const at = r.nameSpan ?? r.span;
      if (bad && !badAt.has(at.start)) problems.error(at, bad);
      else if (!bad && seen.has(r.name))
        problems.error(r.span, `two runs are named '${r.name}': give each run its own name`);
      if (bad) badAt.add(at.start);
      seen.add(r.name);
    }
    exp.runs = all.filter((r) => !nameProblem(r.name, 'a run name'));
  }
  problems.list.sort((a, b) => a.span.start - b.span.start);
  return exp;
}
