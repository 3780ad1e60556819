import type { Scores, SuperScores } from '../../protocol/run.js';
import type { Dataset } from '../data/dataset.js';
import { classToSuperFrom } from '../../common/eval/confusion.js';
import { purity, score, superClassScores } from '../../common/eval/metrics.js';

export interface DatasetScores {
  /** Class-level scores, when the images have class labels; purity beside the Hungarian ACC. */
  flat?: Scores & { purity: number };
  /** Super-class-level scores, when they have super-classes. */
  super?: SuperScores;
  /** The same, flattened for a metrics.jsonl row. */
  row: Record<string, number>;
}

/** Scores predictions against whatever labels the folder layout gave. */
export function scoreDataset(ds: Dataset, pred: Int32Array, k: number): DatasetScores {
  const out: DatasetScores = { row: {} };
  const c = ds.classes.length;
  if (c > 0 && ds.labels.some((l) => l >= 0)) {
    out.flat = { ...score(pred, ds.labels, k, c), purity: purity(pred, ds.labels, k, c) };
    Object.assign(out.row, out.flat);
  }
  const nSuper = ds.superClasses.length;
  if (nSuper > 0 && ds.superLabels.some((l) => l >= 0)) {
    // Every image of a class shares its super-class, so scoring through the class table and
    // scoring the per-image super labels agree; the table also covers images labelled by class only.
    const classToSuper = c > 0 ? classToSuperFrom(ds.labels, ds.superLabels, c) : null;
    out.super = classToSuper
      ? superClassScores(pred, classToSuper, ds.labels, k, nSuper)
      : { ...score(pred, ds.superLabels, k, nSuper), accKind: 'hungarian' };
    Object.assign(out.row, { superAcc: out.super.acc, superNmi: out.super.nmi, superAri: out.super.ari });
  }
  return out;
}
