/**
 * The Compare Runs page's whole state from the chosen runs: the table, the agreement between
 * every pair of runs, their metrics over epochs, the contingency table of runs A and B, the
 * K-sweep scores with the suggested K, and run A's merge candidates. Pure.
 */
import { agreementMatrices, crossTable, seedStability } from '../../common/eval/agreement.js';
import { K_RULES, suggestK, type KPoint } from '../../common/eval/chooseK.js';
import { clusterName, isLive } from '../../common/labels.js';
import { seriesSpec } from '../../common/metricLabels.js';
import type { CompareState } from '../../protocol/compareMessages.js';
import type { RunChoice } from '../../protocol/pageMessages.js';
import { numericLeaves } from './chartsModel.js';
import { clusteringOf, compareTable, mean, settingsOf, type CompareRun } from './compareTable.js';

/** Merge candidates shown, and sample images per cluster. */
const MERGE_PAIRS = 6;
const SAMPLES = 4;

export interface CompareView {
  /** Runs A and B of the side-by-side (default: the first two). */
  pair?: [string, string];
  /** Whether labels.json of run A can undo (its store's state). */
  canUndo: boolean;
}

export function compareState(
  runs: readonly CompareRun[],
  choices: RunChoice[],
  view: CompareView,
): CompareState {
  const table = compareTable(runs);
  const clusterings = runs.map((r) => clusteringOf(r.model));
  const [a, b] = pairOf(runs, view.pair);
  return {
    type: 'compare',
    runs: choices,
    chosen: runs.map((r) => r.model.dir),
    names: runs.map((r) => (r.name ?? r.model.run.id).slice(0, 300)),
    ...table,
    agreement: agreementMatrices(clusterings),
    overlay: overlay(runs),
    ...(a && b ? { pair: pairState(a, b) } : {}),
    ...optional('kSweep', kSweep(runs)),
    ...optional('merges', a ? merges(a, view.canUndo) : undefined),
  };
}

const optional = <K extends string, V>(key: K, v: V | undefined) =>
  v === undefined ? {} : ({ [key]: v } as Record<K, V>);

function pairOf(
  runs: readonly CompareRun[],
  pair: [string, string] | undefined,
): [CompareRun | undefined, CompareRun | undefined] {
  const find = (dir: string | undefined) => runs.find((r) => r.model.dir === dir);
  const a = find(pair?.[0]) ?? runs[0];
  const b = find(pair?.[1]) ?? runs.find((r) => r !== a);
  return [a, b !== a ? b : undefined];
}

/** Each run's numeric metrics.jsonl columns over the union of their epochs (null where a run has no row). */
export function overlay(runs: readonly CompareRun[]): CompareState['overlay'] {
  const leaves = runs.map((r) =>
    r.metrics.map((row) => {
      const m = new Map<string, number>();
      numericLeaves(row, '', m);
      m.delete('epoch');
      return { epoch: row.epoch, m };
    }),
  );
  const epochs = [
    ...new Set(
      leaves.flatMap((rows) => rows.map((x) => x.epoch)).filter((e) => Number.isSafeInteger(e) && e >= 0),
    ),
  ].sort((x, y) => x - y);
  const at = new Map(epochs.map((e, i) => [e, i]));
  const keys = [...new Set(leaves.flatMap((rows) => rows.flatMap((x) => [...x.m.keys()])))];
  // A column is named as the first run that has it names it (its method's spec).
  const methodOf = (key: string) =>
    runs[leaves.findIndex((rows) => rows.some((x) => x.m.has(key)))]?.model.run.method;
  const metrics = keys.map((key) => ({
    key,
    ...seriesSpec(key, methodOf(key)),
    values: leaves.map((rows) => {
      const v = new Array<number | null>(epochs.length).fill(null);
      for (const x of rows) {
        const i = at.get(x.epoch);
        // The last row of an epoch wins (a resumed run may repeat one).
        if (i !== undefined && x.m.has(key)) v[i] = x.m.get(key)!;
      }
      return v;
    }),
  }));
  return { epochs, metrics };
}

/** Contingency of A's and B's clusters, columns ordered so matched cells run down the diagonal. */
export function pairState(a: CompareRun, b: CompareRun): NonNullable<CompareState['pair']> {
  const t = crossTable(clusteringOf(a.model), clusteringOf(b.model));
  const order = [...t.cols.keys()].sort((x, y) => rank(t.match, x) - rank(t.match, y));
  const pos = new Map(order.map((c, i) => [c, i]));
  const sum = (xs: number[]) => xs.reduce((s, v) => s + v, 0);
  return {
    a: a.model.dir,
    b: b.model.dir,
    rows: t.rows.map((id, r) => ({
      cluster: id,
      name: clusterName(a.model.labels, id),
      size: sum(t.counts[r]!),
    })),
    cols: order.map((c) => ({
      cluster: t.cols[c]!,
      name: clusterName(b.model.labels, t.cols[c]!),
      size: sum(t.counts.map((row) => row[c]!)),
    })),
    counts: t.counts.map((row) => order.map((c) => row[c]!)),
    match: t.match.map((c) => (c >= 0 ? pos.get(c)! : -1)),
    matchedShare: t.matchedShare,
    shared: t.n,
  };
}

/** A column's place: the row it is matched to, unmatched columns last. */
function rank(match: number[], col: number): number {
  const r = match.indexOf(col);
  return r < 0 ? match.length + col : r;
}

/**
 * When the runs differ only in cluster count (and seed): per K, the mean label-free scores (and
 * ACC when labelled), the seeds' stability, and the suggested K with its rule.
 */
export function kSweep(runs: readonly CompareRun[]): CompareState['kSweep'] {
  const rest = (r: CompareRun) => {
    const s = settingsOf(r.model.run.config);
    delete s.clusters;
    return JSON.stringify([r.model.run.method, r.model.run.config.epochs, s]);
  };
  const ks = new Set(runs.map((r) => r.model.run.config.clusters));
  if (ks.size < 2 || new Set(runs.map(rest)).size !== 1) return undefined;
  const points = [...ks]
    .sort((x, y) => x - y)
    .map((k) => {
      const at = runs.filter((r) => r.model.run.config.clusters === k);
      const scores: Record<string, number> = {};
      for (const key of ['confidence', 'balance', 'knnConsistency', 'silhouette'] as const) {
        const v = mean(at.map((r) => r.summary?.labelFree?.[key]));
        if (v !== undefined && Number.isFinite(v)) scores[key] = v;
      }
      const stability = at.length > 1 ? seedStability(at.map((r) => clusteringOf(r.model))) : undefined;
      if (stability !== undefined) scores.stability = stability;
      const acc = mean(at.map((r) => r.summary?.acc));
      if (acc !== undefined && Number.isFinite(acc)) scores.acc = acc;
      return { k, runs: at.length, scores };
    });
  const suggestion = suggestK(
    points.map((p): KPoint => ({ k: p.k, ...optional('stability', p.scores.stability) })),
  );
  return {
    points,
    ...(suggestion ? { suggested: suggestion.k, rule: suggestion.rule } : { rule: K_RULES.none }),
  };
}

/** Run A's merge candidates whose clusters are both still live, with their most confident images. */
export function merges(a: CompareRun, canUndo: boolean): CompareState['merges'] {
  const { labels, cluster, confidence, paths } = a.model;
  const candidates = a.summary?.mergeCandidates;
  if (!Array.isArray(candidates)) {
    return {
      dir: a.model.dir,
      canUndo,
      pairs: [],
      note: `${a.name ?? a.model.run.id} has no merge candidates in summary.json (it finished before runs kept their features, or has not finished).`,
    };
  }
  const valid = (id: unknown): id is number => Number.isSafeInteger(id) && (id as number) >= 0;
  const live = candidates
    .filter(
      (c) =>
        valid(c.a) &&
        valid(c.b) &&
        c.a !== c.b &&
        Number.isFinite(c.score) &&
        isLive(labels, c.a) &&
        isLive(labels, c.b),
    )
    .slice(0, MERGE_PAIRS);
  const samples = (id: number) =>
    [...cluster.keys()]
      .filter((i) => cluster[i] === id)
      .sort((x, y) => confidence[y]! - confidence[x]!)
      .slice(0, SAMPLES)
      .map((i) => paths[i]!);
  return {
    dir: a.model.dir,
    canUndo,
    pairs: live.map((c) => ({
      a: c.a,
      b: c.b,
      nameA: clusterName(labels, c.a),
      nameB: clusterName(labels, c.b),
      score: c.score,
      count: Number.isSafeInteger(c.count) && c.count >= 0 ? c.count : 0,
      samplesA: samples(c.a),
      samplesB: samples(c.b),
    })),
    ...(live.length === 0
      ? { note: 'No merge candidate left: every suggested pair was merged or is gone.' }
      : {}),
  };
}
