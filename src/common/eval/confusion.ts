/**
 * Cluster x class confusion matrix with display orders for a heatmap: class columns grouped by
 * super-class, cluster rows sorted so that a good clustering shows as a diagonal.
 */
import { contingency } from './metrics.js';

/** A run of columns in the display order sharing one super-class (-1: classes without one). */
export interface SuperGroup {
  superClass: number;
  /** Positions in classOrder, end exclusive. */
  start: number;
  end: number;
}

export interface ConfusionView {
  /** counts[cluster][class] in the original ids; labelled entries only. */
  counts: number[][];
  /** Class ids in display order: by super-class id, then class id; classes without one last. */
  classOrder: Int32Array;
  /** Empty when there are no super-classes. */
  groups: SuperGroup[];
  /** Cluster ids in display order: by the display position of their majority class, larger share first; empty clusters last. */
  clusterOrder: Int32Array;
}

/**
 * The class -> super-class table implied by per-entry labels (-1 for a class never seen with one).
 * A class appearing under two super-classes is an error: the dataset promises one per class.
 */
export function classToSuperFrom(labels: Int32Array, superLabels: Int32Array, c: number): Int32Array {
  if (labels.length !== superLabels.length)
    throw new RangeError(`label arrays differ in length (${labels.length} vs ${superLabels.length})`);
  const map = new Int32Array(c).fill(-1);
  for (let i = 0; i < labels.length; i++) {
    const cls = labels[i]!;
    const sup = superLabels[i]!;
    if (cls < 0 || sup < 0) continue;
    if (cls >= c) throw new RangeError(`class id ${cls} at ${i} is outside 0..${c - 1}`);
    if (map[cls] !== -1 && map[cls] !== sup)
      throw new Error(`class ${cls} has two super-classes (${map[cls]} and ${sup})`);
    map[cls] = sup;
  }
  return map;
}

/** Classes grouped by super-class, and the group spans; no table (or no super-classes): identity, no groups. */
export function superClassOrder(
  c: number,
  classToSuper?: Int32Array,
): { order: Int32Array; groups: SuperGroup[] } {
  const ids = Array.from({ length: c }, (_, i) => i);
  if (!classToSuper || !classToSuper.some((s) => s >= 0)) return { order: Int32Array.from(ids), groups: [] };
  if (classToSuper.length !== c)
    throw new RangeError(`classToSuper has ${classToSuper.length} entries for ${c} classes`);
  // Without a super-class sorts last; sort is stable, so class ids stay ascending within a group.
  const key = (cls: number) => (classToSuper[cls]! < 0 ? Number.MAX_SAFE_INTEGER : classToSuper[cls]!);
  ids.sort((a, b) => key(a) - key(b));
  const groups: SuperGroup[] = [];
  ids.forEach((cls, pos) => {
    const sup = classToSuper[cls]!;
    const last = groups.at(-1);
    if (last && last.superClass === sup) last.end = pos + 1;
    else groups.push({ superClass: sup, start: pos, end: pos + 1 });
  });
  return { order: Int32Array.from(ids), groups };
}

export function confusionMatrix(
  pred: Int32Array,
  truth: Int32Array,
  k: number,
  c: number,
  classToSuper?: Int32Array,
): ConfusionView {
  const counts = contingency(pred, truth, k, c);
  const { order: classOrder, groups } = superClassOrder(c, classToSuper);
  const position = new Int32Array(c);
  classOrder.forEach((cls, pos) => (position[cls] = pos));
  const rows = counts.map((row, cluster) => {
    let size = 0;
    let major = -1;
    for (let j = 0; j < c; j++) {
      size += row[j]!;
      if (major < 0 || row[j]! > row[major]!) major = j;
    }
    return size === 0
      ? { cluster, pos: c, share: 0 }
      : { cluster, pos: position[major]!, share: row[major]! / size };
  });
  rows.sort((a, b) => a.pos - b.pos || b.share - a.share || a.cluster - b.cluster);
  return { counts, classOrder, groups, clusterOrder: Int32Array.from(rows, (r) => r.cluster) };
}
