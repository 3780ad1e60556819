/**
 * The confusion page's data for the effective clusters (the user's edits included): the cluster x
 * class heatmap grouped by super-class, the Hungarian cluster -> class matching, and the cluster x
 * super-class matrix with its scores. The scoring code is the trainer's own (src/common/eval).
 */
import { confusionMatrix } from '../../common/eval/confusion.js';
import { clusteringAccuracy, contingency, score, superClassScores } from '../../common/eval/metrics.js';
import { clusterName } from '../../common/labels.js';
import type { ConfusionState } from '../../protocol/confusionMessages.js';
import type { RunChoice } from '../../protocol/pageMessages.js';
import { runInfoOf, type RunModel } from './runModel.js';

export function confusionState(m: RunModel, runs: RunChoice[]): ConfusionState {
  const { classes, superClasses } = m.run.dataset;
  const superOfClass = m.run.dataset.superOfClass ?? classes.map(() => -1);
  const base: ConfusionState = {
    type: 'confusion',
    runs,
    run: runInfoOf(m.dir, m.run),
    rows: [],
    classes,
    classOrder: [],
    groups: [],
    counts: [],
    match: [],
    superClasses,
    superCounts: [],
    superMatch: [],
  };
  if (classes.length === 0 || !m.label.some((l) => l >= 0)) {
    return {
      ...base,
      error:
        'This dataset has no class labels (images in class folders), so there is nothing to compare the clusters with.',
    };
  }

  // Scores count clusters as the user sees them: merged-away and empty ids must not count towards k.
  const ids = [...new Set(m.cluster)].sort((a, b) => a - b);
  const compact = new Map(ids.map((c, i) => [c, i]));
  const pred = Int32Array.from(m.cluster, (c) => compact.get(c)!);
  const truth = m.label;
  const k = ids.length;
  const c = classes.length;
  const table = Int32Array.from(superOfClass);
  const view = confusionMatrix(pred, truth, k, c, table);
  const { mapping } = clusteringAccuracy(pred, truth, k, c);
  const sizes = new Array<number>(k).fill(0);
  for (const p of pred) sizes[p]!++;
  // Rows without a labelled member have nothing to show.
  const order = [...view.clusterOrder].filter((r) => view.counts[r]!.some((x) => x > 0));

  const state: ConfusionState = {
    ...base,
    rows: order.map((r) => ({ cluster: ids[r]!, name: clusterName(m.labels, ids[r]!), size: sizes[r]! })),
    classOrder: [...view.classOrder],
    groups: view.groups.map((g) => ({
      name: g.superClass >= 0 ? superClasses[g.superClass]! : '',
      start: g.start,
      end: g.end,
    })),
    counts: order.map((r) => view.counts[r]!),
    match: order.map((r) => mapping[r]!),
    scores: score(pred, truth, k, c),
  };

  const nSuper = superClasses.length;
  if (nSuper > 0 && table.some((s) => s >= 0)) {
    const superTruth = Int32Array.from(truth, (t) => (t < 0 ? -1 : table[t]!));
    const superCounts = contingency(pred, superTruth, k, nSuper);
    const superScores = superClassScores(pred, table, truth, k, nSuper);
    state.superCounts = order.map((r) => superCounts[r]!);
    state.superScores = superScores;
    if (superScores.accKind === 'hungarian') {
      const superMapping = clusteringAccuracy(pred, superTruth, k, nSuper).mapping;
      state.superMatch = order.map((r) => superMapping[r]!);
    }
  }
  return state;
}
