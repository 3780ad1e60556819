/**
 * Which of DeepCluster's epochs a run reports. Every epoch re-clusters, so the last epoch's
 * clustering is one draw of a quantity that swings from epoch to epoch; a rule picks the epoch by a
 * label-free quantity of its row instead. Pure: the trainer keeps the picked epoch as it goes, the
 * charts show the quantity a run picks by, bench/dcPick.ts applies the same rules to finished runs.
 */
import type { MetricsRow } from '../../protocol/run.js';

interface Rule {
  /** The metrics.jsonl column the rule reads (absent for `last`). */
  key?:
    'nmiPrevious' | 'classifierConfidence' | 'kmeansInertia' | 'confidence' | 'knnConsistency' | 'silhouette';
  /** +1: the highest value wins; -1: the lowest. */
  sign?: 1 | -1;
  doc: string;
}

export const DC_PICK_RULES = {
  last: { doc: 'the last epoch, as the official code' },
  stable: { key: 'nmiPrevious', sign: 1, doc: 'highest NMI to the pseudo-labels the epoch trained on' },
  fit: { key: 'classifierConfidence', sign: 1, doc: "highest mean top softmax of the epoch's classifier" },
  compact: { key: 'kmeansInertia', sign: -1, doc: 'lowest k-means inertia in the whitened space' },
  kmeansConfidence: { key: 'confidence', sign: 1, doc: 'highest mean k-means soft confidence' },
  knn: { key: 'knnConsistency', sign: 1, doc: 'highest kNN consistency in the features' },
  silhouette: { key: 'silhouette', sign: 1, doc: 'highest silhouette in the features' },
} as const satisfies Record<string, Rule>;

export type DcPickRule = keyof typeof DC_PICK_RULES;

/** The metrics.jsonl column a DeepCluster run's `pick` setting reads (none for `last` or another method). */
export function pickColumn(method: string, pick: unknown): string | undefined {
  if (method !== 'deepcluster' || typeof pick !== 'string' || !Object.hasOwn(DC_PICK_RULES, pick))
    return undefined;
  return (DC_PICK_RULES[pick as DcPickRule] as Rule).key;
}

/** The rule's value of a row, higher is better; -Infinity when the row lacks it (any other row wins). */
export function pickScore(rule: DcPickRule, row: Partial<MetricsRow> & { epoch: number }): number {
  const r: Rule = DC_PICK_RULES[rule];
  if (!r.key) return row.epoch;
  const v = row[r.key];
  return typeof v === 'number' && Number.isFinite(v) ? r.sign! * v : -Infinity;
}

/**
 * The first epoch that competes: only the run's second half, since the first epochs' features are
 * those of a network that has barely trained, whatever their score says.
 */
export function pickFrom(epochs: number): number {
  return Math.floor(epochs / 2) + 1;
}

/** Whether a row scoring `score` replaces the kept one: strictly better, so the earlier epoch keeps a tie. */
export function pickBetter(score: number, kept: number | undefined): boolean {
  return kept === undefined || score > kept;
}

/** The epoch `rule` keeps of a run's rows (in epoch order) from epoch `from` on, as the trainer keeps it. */
export function pickEpoch(
  rule: DcPickRule,
  rows: readonly (Partial<MetricsRow> & { epoch: number })[],
  from: number,
): number {
  let kept: { epoch: number; score: number } | undefined;
  for (const row of rows) {
    if (row.epoch < from) continue;
    const score = pickScore(rule, row);
    if (pickBetter(score, kept?.score)) kept = { epoch: row.epoch, score };
  }
  return kept?.epoch ?? rows.at(-1)!.epoch;
}
