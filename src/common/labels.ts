/**
 * The user's edits (labels.json) applied to the trained assignment, and the edits themselves as
 * pure functions returning a new LabelsJson: the extension's views and the Runs tree compute the
 * same effective clusters from the same two files.
 */
import type { LabelsJson } from '../protocol/labels.js';

/** Cluster id -> the cluster it ended up in after every merge (ids not merged map to themselves). */
export function mergeTarget(labels: LabelsJson): (cluster: number) => number {
  const into = new Map(labels.merges.map((m) => [m.from, m.into]));
  // parseLabels guarantees no cycles, so following the chain ends.
  return (cluster) => {
    let c = cluster;
    for (let next = into.get(c); next !== undefined; next = into.get(c)) c = next;
    return c;
  };
}

/** The cluster an image is in: where the user moved it, else where training put it, then through merges. */
export function effectiveClusters(paths: readonly string[], trained: ArrayLike<number>, labels: LabelsJson): Int32Array {
  const out = Int32Array.from(trained);
  // A Map: looking up 70,000 paths that are mostly absent is slow on a plain object.
  const moves = new Map(Object.entries(labels.moves));
  if (moves.size > 0) for (let i = 0; i < paths.length; i++) out[i] = moves.get(paths[i]!) ?? out[i]!;
  if (labels.merges.length > 0) {
    const resolve = mergeTarget(labels);
    for (let i = 0; i < out.length; i++) out[i] = resolve(out[i]!);
  }
  return out;
}

export function clusterName(labels: LabelsJson, cluster: number): string {
  return labels.names[String(cluster)] ?? `Cluster ${cluster}`;
}

/** True when the cluster has not been merged into another (it may still be empty). */
export function isLive(labels: LabelsJson, cluster: number): boolean {
  return !labels.merges.some((m) => m.from === cluster);
}

/** A blank name gives the cluster back its default name. */
export function renameCluster(labels: LabelsJson, cluster: number, name: string): LabelsJson {
  const names = { ...labels.names };
  const trimmed = name.trim();
  if (trimmed) names[String(cluster)] = trimmed;
  else delete names[String(cluster)];
  return { ...labels, names };
}

/**
 * Puts the images at `paths` into cluster `to`. An image moved back to the cluster training
 * gave it loses its move entry, so labels.json lists only real departures.
 */
export function moveImages(labels: LabelsJson, paths: readonly string[], to: number, trainedOf: (path: string) => number | undefined): LabelsJson {
  if (!isLive(labels, to)) throw new RangeError(`cluster ${to} was merged away`);
  const resolve = mergeTarget(labels);
  const moves = { ...labels.moves };
  for (const p of paths) {
    const trained = trainedOf(p);
    if (trained !== undefined && resolve(trained) === to) delete moves[p];
    else moves[p] = to;
  }
  return { ...labels, moves };
}

export function mergeClusters(labels: LabelsJson, from: number, into: number): LabelsJson {
  if (from === into) throw new RangeError('a cluster cannot be merged into itself');
  if (!isLive(labels, from) || !isLive(labels, into)) throw new RangeError('only clusters that were not merged away can be merged');
  return { ...labels, merges: [...labels.merges, { from, into }] };
}

/** The id for a cluster the user starts by moving images into it: one past every id in use. */
export function nextClusterId(labels: LabelsJson, trained: ArrayLike<number>): number {
  let max = -1;
  for (let i = 0; i < trained.length; i++) max = Math.max(max, trained[i]!);
  for (const k of Object.keys(labels.names)) max = Math.max(max, Number(k));
  for (const m of labels.merges) max = Math.max(max, m.from, m.into);
  for (const c of Object.values(labels.moves)) max = Math.max(max, c);
  return max + 1;
}
