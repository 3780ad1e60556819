/**
 * Turns an experiment's run list and grid into named runs with whole training configs: a run's
 * own values, else the file's shared ones, else the run fields' defaults (src/common/runFields.ts).
 */
import { methodSpec } from '../methods/index.js';
import { RUN_FIELDS, runDefaults } from '../runFields.js';
import type { MethodName, TrainConfig } from '../../protocol/run.js';
import type { ExperimentRun, RunFieldValues, SharedFields, Span } from './format.js';

type Value = number | string | boolean;

/** A `runs` item as read. */
export interface RunSpec {
  name?: { value: string; span: Span };
  method: MethodName;
  span: Span;
  /** Where its clusters were written (own.clusters is the value). */
  clustersSpan?: Span;
  /** The run fields it gives its own value of. */
  own: RunFieldValues;
  /** Only what the file writes: the trainer fills the rest (SCAN derives its stage lengths). */
  settings: Record<string, Value>;
}

/** `grid:` as read: every list already checked. */
export interface GridSpec {
  span: Span;
  methods: MethodName[];
  clusters?: { value: number; span: Span }[];
  seeds?: { value: number; span: Span }[];
  /** The other per-run fields, one value for every run of the grid. */
  own: RunFieldValues;
  /** A setting varies only the methods that have it (owners). */
  settings: { key: string; values: Value[]; owners: MethodName[] }[];
}

/** The file's shared values, and where its clusters were written. */
export interface Shared {
  values: SharedFields;
  clustersSpan?: Span;
}

interface Base {
  data: string;
  features?: string;
}

/** A run's config: its own values, else the file's shared ones, else the run fields' defaults for its method. */
function config(
  method: MethodName,
  common: SharedFields,
  base: Base,
  own: RunFieldValues,
  params: Record<string, Value>,
): TrainConfig {
  return {
    method,
    data: base.data,
    ...(runDefaults(methodSpec(method)!) as Omit<TrainConfig, 'method' | 'data' | 'params'>),
    ...common,
    ...own,
    params,
    ...(base.features ? { features: base.features } : {}),
  };
}

/** The object without its undefined fields. */
export const defined = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

export function expandRuns(runs: RunSpec[], common: Shared, base: Base): ExperimentRun[] {
  const counts = new Map<MethodName, number>();
  return runs.map((r) => {
    const n = (counts.get(r.method) ?? 0) + 1;
    counts.set(r.method, n);
    const clustersSpan = r.clustersSpan ?? common.clustersSpan;
    return {
      name: r.name?.value ?? `${r.method}-${n}`,
      config: config(r.method, common.values, base, r.own, { ...r.settings }),
      span: r.span,
      from: 'runs' as const,
      ...(r.name ? { nameSpan: r.name.span } : {}),
      ...(clustersSpan ? { clustersSpan } : {}),
    };
  });
}

/** Every combination of values in order: [[a1,b1],[a1,b2],[a2,b1],...]. */
function product<T>(axes: T[][]): T[][] {
  return axes.reduce<T[][]>((acc, axis) => acc.flatMap((combo) => axis.map((v) => [...combo, v])), [[]]);
}

/** How many runs the grid expands to, from its axes' lengths alone (may be far past any cap, or Infinity). */
export function gridSize(grid: GridSpec): number {
  const perMethod = (grid.clusters?.length ?? 1) * (grid.seeds?.length ?? 1);
  return grid.methods.reduce(
    (sum, m) =>
      sum +
      grid.settings.filter((s) => s.owners.includes(m)).reduce((n, s) => n * s.values.length, perMethod),
    0,
  );
}

/** `cc-k10-s1-cropMin0.2`: the method, then only the axes that vary. */
export function expandGrid(grid: GridSpec, common: Shared, base: Base): ExperimentRun[] {
  const clusters = grid.clusters ?? [
    { value: common.values.clusters ?? RUN_FIELDS.clusters.default, span: common.clustersSpan ?? grid.span },
  ];
  const seeds = grid.seeds ?? [{ value: common.values.seed ?? RUN_FIELDS.seed.default, span: grid.span }];
  const out: ExperimentRun[] = [];
  for (const method of grid.methods) {
    const own = grid.settings.filter((s) => s.owners.includes(method));
    const settingAxes = own.map((s) => s.values.map((v) => [s.key, v] as const));
    for (const k of clusters) {
      for (const s of seeds) {
        for (const combo of product(settingAxes)) {
          const parts = [
            method,
            ...(clusters.length > 1 ? [`k${k.value}`] : []),
            ...(seeds.length > 1 ? [`s${s.value}`] : []),
          ];
          combo.forEach(([key, v], i) => own[i]!.values.length > 1 && parts.push(`${key}${String(v)}`));
          const runOwn = { ...grid.own, clusters: k.value, seed: s.value };
          out.push({
            name: parts.join('-'),
            config: config(method, common.values, base, runOwn, Object.fromEntries(combo)),
            span: grid.span,
            from: 'grid',
            clustersSpan: k.span,
          });
        }
      }
    }
  }
  return out;
}
