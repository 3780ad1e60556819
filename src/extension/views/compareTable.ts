/**
 * The Compare Runs table: one row per run (or per group of runs that differ only by seed, as
 * mean ± sd with their seed stability), and columns for what tells the runs apart: method and the
 * settings whose values differ, then the label-free scores and, when the dataset has labels,
 * ACC/NMI/ARI against classes and super-classes, then seed, epochs, time, speed, backend. Pure.
 */
import { seedStability, type Clustering } from '../../common/eval/agreement.js';
import type { MetricsRow, SummaryJson, TrainConfig } from '../../protocol/run.js';
import type { CompareCell, CompareColumn, CompareRow } from '../../protocol/compareMessages.js';
import type { RunModel } from './runModel.js';

export interface CompareRun {
  model: RunModel;
  /** The run's name in every list (the user's, its experiment entry's, else method · data · time). */
  name?: string;
  summary?: SummaryJson;
  metrics: readonly MetricsRow[];
}

/** A run's clustering as the user sees it (labels.json applied), for the agreement scores. */
export const clusteringOf = (m: RunModel): Clustering => ({ paths: m.paths, clusters: m.cluster });

type Num = Omit<CompareColumn, 'kind'> & { kind: 'number' | 'share'; of(r: CompareRun): number | undefined };

const finite = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;
/** The summary's label-free score, else the last metrics row's (a run still training). */
const labelFree = (key: 'confidence' | 'balance' | 'knnConsistency' | 'silhouette') => (r: CompareRun) =>
  finite(r.summary?.labelFree?.[key]) ??
  finite([...r.metrics].reverse().find((m) => finite(m[key]) !== undefined)?.[key]);

const LABEL_FREE: Num[] = [
  {
    key: 'confidence',
    label: 'confidence',
    kind: 'share',
    better: 'high',
    doc: 'Mean top cluster probability: how sure the model is. Over-confident models score high while wrong.',
    of: labelFree('confidence'),
  },
  {
    key: 'balance',
    label: 'balance',
    kind: 'share',
    better: 'high',
    doc: 'Normalised entropy of the cluster sizes: 1 all equal. Real classes are not always balanced.',
    of: labelFree('balance'),
  },
  // Measured in each run's own features: no best is marked across runs, whose feature spaces differ.
  {
    key: 'knnConsistency',
    label: 'kNN consistency',
    kind: 'share',
    doc: "Share of each image's 10 nearest neighbours (the run's own features, cosine) in its cluster: clusters that follow the feature space. Each run in its own features, so not ranked across runs.",
    of: labelFree('knnConsistency'),
  },
  {
    key: 'silhouette',
    label: 'silhouette',
    kind: 'share',
    doc: "Mean silhouette on cosine distance of the run's own features (-1..1): compact, separated clusters. Sampled on big sets. Each run in its own features, so not ranked across runs.",
    of: labelFree('silhouette'),
  },
];

const LABELLED: Num[] = [
  {
    key: 'acc',
    label: 'ACC',
    kind: 'share',
    better: 'high',
    doc: 'Accuracy against the classes under the best one-to-one matching (Hungarian).',
    of: (r) => finite(r.summary?.acc),
  },
  {
    key: 'nmi',
    label: 'NMI',
    kind: 'share',
    better: 'high',
    doc: 'Normalised mutual information with the classes.',
    of: (r) => finite(r.summary?.nmi),
  },
  {
    key: 'ari',
    label: 'ARI',
    kind: 'share',
    better: 'high',
    doc: 'Adjusted Rand index with the classes (0: chance).',
    of: (r) => finite(r.summary?.ari),
  },
  {
    key: 'superAcc',
    label: 'super ACC',
    kind: 'share',
    better: 'high',
    doc: 'ACC against the super-classes (purity when k differs from their number).',
    of: (r) => finite(r.summary?.super?.acc),
  },
  {
    key: 'superNmi',
    label: 'super NMI',
    kind: 'share',
    better: 'high',
    of: (r) => finite(r.summary?.super?.nmi),
  },
  {
    key: 'superAri',
    label: 'super ARI',
    kind: 'share',
    better: 'high',
    of: (r) => finite(r.summary?.super?.ari),
  },
];

const RUN_FACTS: Num[] = [
  { key: 'epochs', label: 'epochs', kind: 'number', of: (r) => r.model.run.epoch },
  {
    key: 'seconds',
    label: 'time (s)',
    kind: 'number',
    better: 'low',
    of: (r) => finite(r.summary?.seconds) ?? sum(r.metrics.map((m) => finite(m.seconds))),
  },
  {
    key: 'imgPerSec',
    label: 'img/s',
    kind: 'number',
    better: 'high',
    of: (r) => mean(r.metrics.map((m) => finite(m.imgPerSec))),
  },
];

const STABILITY: CompareColumn = {
  key: 'stability',
  label: 'seed stability',
  kind: 'share',
  better: 'high',
  doc: "Mean pairwise ARI between the seeds' clusterings: 1 when every seed finds the same partition, 0 when they agree no better than chance.",
};

/** The settings of a run other than its seed, flattened (method parameters by name). */
export function settingsOf(c: TrainConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(c)) {
    // Shown in their own columns (method, seed, epochs, the backend that ran) or below as params.
    if (k === 'seed' || k === 'method' || k === 'epochs' || k === 'backend' || k === 'params') continue;
    out[k] = String(v);
  }
  for (const [k, v] of Object.entries(c.params ?? {})) out[k] = String(v);
  return out;
}

/** Setting names whose values are not the same in every run (a missing one counts as a value). */
export function differingSettings(configs: readonly TrainConfig[]): string[] {
  const all = configs.map(settingsOf);
  const keys = [...new Set(all.flatMap((s) => Object.keys(s)))];
  return keys.filter((k) => new Set(all.map((s) => s[k] ?? '—')).size > 1);
}

/** Runs that differ only by seed share a key. */
export function foldKey(c: TrainConfig): string {
  const s = settingsOf(c);
  return JSON.stringify([
    c.method,
    c.epochs,
    ...Object.keys(s)
      .sort()
      .map((k) => [k, s[k]]),
  ]);
}

export function mean(values: readonly (number | undefined)[]): number | undefined {
  const v = values.filter((x): x is number => x !== undefined);
  return v.length === 0 ? undefined : v.reduce((a, b) => a + b, 0) / v.length;
}

/** Sample standard deviation (n - 1); undefined below two values. */
export function sd(values: readonly (number | undefined)[]): number | undefined {
  const v = values.filter((x): x is number => x !== undefined);
  if (v.length < 2) return undefined;
  const m = mean(v)!;
  return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
}

function sum(values: readonly (number | undefined)[]): number | undefined {
  const v = values.filter((x): x is number => x !== undefined);
  return v.length === 0 ? undefined : v.reduce((a, b) => a + b, 0);
}

export function formatValue(v: number, kind: 'number' | 'share'): string {
  if (kind === 'share') return v.toFixed(3);
  return Math.abs(v) >= 100 || Number.isInteger(v) ? v.toFixed(0) : v.toFixed(1);
}

export interface CompareTable {
  columns: CompareColumn[];
  rows: CompareRow[];
  /** Present when some runs differ only by seed. */
  foldedRows?: CompareRow[];
}

export function compareTable(runs: readonly CompareRun[]): CompareTable {
  const diff = differingSettings(runs.map((r) => r.model.run.config));
  const numbers = [...RUN_FACTS, ...LABEL_FREE, ...LABELLED].filter((c) =>
    runs.some((r) => c.of(r) !== undefined),
  );
  const groups = new Map<string, CompareRun[]>();
  for (const r of runs) {
    const key = foldKey(r.model.run.config);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const folds = [...groups.values()].some((g) => g.length > 1);
  const text = (key: string, label: string, doc?: string): CompareColumn => ({
    key,
    label,
    kind: 'text',
    ...(doc ? { doc } : {}),
  });
  // What tells the runs apart and how they score come first, so a window of ordinary width shows
  // them without scrolling; seed, time, speed and backend follow.
  const scores = numbers.filter((c) => !RUN_FACTS.includes(c));
  const columns: CompareColumn[] = [
    text('run', 'run'),
    text('method', 'method'),
    // run.json is a file anyone can edit: names and values are cut to what the protocol carries.
    ...diff.map((k, i) =>
      text(`setting.${i}`, k.slice(0, 300), 'A setting that differs between the compared runs'),
    ),
    // Seed stability needs no labels either: beside the other label-free scores.
    ...scores.filter((c) => LABEL_FREE.includes(c)).map(column),
    ...(folds ? [STABILITY] : []),
    ...scores.filter((c) => LABELLED.includes(c)).map(column),
    text('seed', 'seed'),
    ...numbers.filter((c) => RUN_FACTS.includes(c)).map(column),
    text('backend', 'backend'),
  ];
  const rowOf = (group: CompareRun[]): CompareRow => {
    const first = group[0]!.model.run;
    const name = group[0]!.name ?? first.id;
    const settings = settingsOf(first.config);
    const distinct = (f: (r: CompareRun) => string) => [...new Set(group.map(f))].join(', ');
    const cells = columns.map((c): CompareCell => {
      if (c.key === 'run')
        return {
          text: (group.length === 1
            ? name
            : `${name} +${group.length - 1} seed${group.length > 2 ? 's' : ''}`
          ).slice(0, 2000),
        };
      if (c.key === 'method') return { text: first.method };
      if (c.key.startsWith('setting.'))
        return { text: (settings[diff[Number(c.key.slice(8))]!] ?? '—').slice(0, 2000) };
      if (c.key === 'seed') return { text: distinct((r) => String(r.model.run.config.seed)) };
      if (c.key === 'backend') return { text: distinct((r) => r.model.run.backend.name) };
      if (c.key === 'stability') {
        const v = group.length > 1 ? seedStability(group.map((r) => clusteringOf(r.model))) : undefined;
        return v === undefined ? { text: '' } : { text: formatValue(v, 'share'), value: v };
      }
      const num = numbers.find((n) => n.key === c.key)!;
      const values = group.map((r) => num.of(r));
      const m = mean(values);
      const s = sd(values);
      if (m === undefined) return { text: '' };
      return {
        text:
          s === undefined
            ? formatValue(m, num.kind)
            : `${formatValue(m, num.kind)} ± ${formatValue(s, num.kind)}`,
        value: m,
        ...(s !== undefined ? { sd: s } : {}),
      };
    });
    return { dirs: group.map((r) => r.model.dir), cells };
  };
  const rows = runs.map((r) => rowOf([r]));
  return folds ? { columns, rows, foldedRows: [...groups.values()].map(rowOf) } : { columns, rows };
}

function column(n: Num): CompareColumn {
  return {
    key: n.key,
    label: n.label,
    kind: n.kind,
    ...(n.better ? { better: n.better } : {}),
    ...(n.doc ? { doc: n.doc } : {}),
  };
}
