import type { Scores } from '../../protocol/run.js';
import type { Dataset } from '../data/dataset.js';
import { score } from '../eval/metrics.js';

export interface DatasetScores {
  /** Class-level scores, when the images have class labels. */
  flat?: Scores;
  /** Super-class-level scores, when they have super-classes. */
  super?: Scores;
  /** The same, flattened for a metrics.jsonl row. */
  row: Record<string, number>;
}

/** Scores predictions against whatever labels the folder layout gave. */
export function scoreDataset(ds: Dataset, pred: Int32Array, k: number): DatasetScores {
  const out: DatasetScores = { row: {} };
  if (ds.classes.length > 0 && ds.labels.some((l) => l >= 0)) {
    out.flat = score(pred, ds.labels, k, ds.classes.length);
    Object.assign(out.row, out.flat);
  }
  if (ds.superClasses.length > 0 && ds.superLabels.some((l) => l >= 0)) {
    out.super = score(pred, ds.superLabels, k, ds.superClasses.length);
    Object.assign(out.row, { superAcc: out.super.acc, superNmi: out.super.nmi, superAri: out.super.ari });
  }
  return out;
}
