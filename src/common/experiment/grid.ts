/**
 * Turns an experiment's run list and grid into named runs with whole training configs: a run's
 * own values, else the file's shared ones, else the method's defaults (its spec).
 */
import { methodSpec } from '../methods/index.js';
import type { BackendChoice, MethodName, TrainConfig } from '../../protocol/run.js';
import type { ExperimentRun, SharedFields, Span } from './format.js';

type Value = number | string | boolean;

/** A `runs` item as read. */
export interface RunSpec {
  name?: { value: string; span: Span };
  method: MethodName;
  span: Span;
  clusters?: { value: number; span: Span };
  epochs?: number;
  seed?: number;
  batchSize?: number;
  learningRate?: number;
  /** Only what the file writes: the trainer fills the rest (SCAN derives its stage lengths). */
  settings: Record<string, Value>;
}

/** `grid:` as read: every list already checked. */
export interface GridSpec {
  span: Span;
  methods: MethodName[];
  clusters?: { value: number; span: Span }[];
  seeds?: { value: number; span: Span }[];
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  /** A setting varies only the methods that have it (owners). */
  settings: { key: string; values: Value[]; owners: MethodName[] }[];
}

interface Base {
  data: string;
  backend: BackendChoice;
  features?: string;
}

const DEFAULT_CLUSTERS = 10;
const DEFAULT_SEED = 42;

function config(method: MethodName, common: SharedFields, base: Base, own: Partial<TrainConfig>, params: Record<string, Value>): TrainConfig {
  const d = methodSpec(method)!.defaults;
  return {
    method,
    data: base.data,
    clusters: own.clusters ?? common.clusters ?? DEFAULT_CLUSTERS,
    epochs: own.epochs ?? common.epochs ?? d.epochs,
    imageSize: common.imageSize,
    channels: common.channels,
    backbone: common.backbone,
    batchSize: own.batchSize ?? common.batchSize ?? d.batchSize,
    seed: own.seed ?? common.seed ?? DEFAULT_SEED,
    backend: base.backend,
    learningRate: own.learningRate ?? common.learningRate ?? d.learningRate,
    evalEvery: 1,
    params,
    ...(base.features ? { features: base.features } : {}),
  };
}

/** The object without its undefined fields. */
export const defined = <T extends object>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

export function expandRuns(runs: RunSpec[], common: SharedFields & { clustersSpan?: Span }, base: Base): ExperimentRun[] {
  const counts = new Map<MethodName, number>();
  return runs.map((r) => {
    const n = (counts.get(r.method) ?? 0) + 1;
    counts.set(r.method, n);
    const own = defined({ clusters: r.clusters?.value, epochs: r.epochs, seed: r.seed, batchSize: r.batchSize, learningRate: r.learningRate });
    const clustersSpan = r.clusters?.span ?? common.clustersSpan;
    return {
      name: r.name?.value ?? `${r.method}-${n}`,
      config: config(r.method, common, base, own, { ...r.settings }),
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
  return grid.methods.reduce((sum, m) => sum + grid.settings.filter((s) => s.owners.includes(m)).reduce((n, s) => n * s.values.length, perMethod), 0);
}

/** `cc-k10-s1-cropMin0.2`: the method, then only the axes that vary. */
export function expandGrid(grid: GridSpec, common: SharedFields & { clustersSpan?: Span }, base: Base): ExperimentRun[] {
  const clusters = grid.clusters ?? [{ value: common.clusters ?? DEFAULT_CLUSTERS, span: common.clustersSpan ?? grid.span }];
  const seeds = grid.seeds ?? [{ value: common.seed ?? DEFAULT_SEED, span: grid.span }];
  const out: ExperimentRun[] = [];
  for (const method of grid.methods) {
    const own = grid.settings.filter((s) => s.owners.includes(method));
    const settingAxes = own.map((s) => s.values.map((v) => [s.key, v] as const));
    for (const k of clusters) {
      for (const s of seeds) {
        for (const combo of product(settingAxes)) {
          const parts = [method, ...(clusters.length > 1 ? [`k${k.value}`] : []), ...(seeds.length > 1 ? [`s${s.value}`] : [])];
          combo.forEach(([key, v], i) => own[i]!.values.length > 1 && parts.push(`${key}${String(v)}`));
          const runOwn = defined({ clusters: k.value, seed: s.value, epochs: grid.epochs, batchSize: grid.batchSize, learningRate: grid.learningRate });
          out.push({
            name: parts.join('-'),
            config: config(method, common, base, runOwn, Object.fromEntries(combo)),
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
