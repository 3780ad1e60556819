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
export function effectiveClusters(
  paths: readonly string[],
  trained: ArrayLike<number>,
  labels: LabelsJson,
): Int32Array {
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
export function moveImages(
  labels: LabelsJson,
  paths: readonly string[],
  to: number,
  trainedOf: (path: string) => number | undefined,
): LabelsJson {
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
  if (!isLive(labels, from) || !isLive(labels, into))
    throw new RangeError('only clusters that were not merged away can be merged');
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

/**
 * Three-way merge of labels.json: `ours` and `theirs` both started from `base` (two windows editing
 * one run). What only one side changed is taken from it; a name or move both changed to different
 * values, or merges both changed other than by appending, is a conflict (described for the user).
 */
export function mergeLabels(
  base: LabelsJson,
  ours: LabelsJson,
  theirs: LabelsJson,
): { labels: LabelsJson } | { conflicts: string[] } {
  const conflicts: string[] = [];
  const names = mergeRecord(base.names, ours.names, theirs.names, (k, o, t) =>
    conflicts.push(`the name of cluster ${k} (${quoted(t)} there, ${quoted(o)} here)`),
  );
  const moves = mergeRecord(base.moves, ours.moves, theirs.moves, (k, o, t) =>
    conflicts.push(`where ${cut(k)} goes (${inCluster(t)} there, ${inCluster(o)} here)`),
  );
  const merges = mergeMerges(base.merges, ours.merges, theirs.merges);
  if (!merges) conflicts.push('the merges of clusters (changed there and here)');
  return conflicts.length > 0 ? { conflicts } : { labels: { ...theirs, names, moves, merges: merges! } };
}

function mergeRecord<V>(
  base: Record<string, V>,
  ours: Record<string, V>,
  theirs: Record<string, V>,
  conflict: (key: string, o: V | undefined, t: V | undefined) => void,
): Record<string, V> {
  const out = { ...theirs };
  for (const k of new Set([...Object.keys(base), ...Object.keys(ours)])) {
    const b = base[k];
    const o = ours[k];
    const t = theirs[k];
    if (o === b || o === t) continue;
    if (t !== b) conflict(k, o, t);
    else if (o === undefined) delete out[k];
    else out[k] = o;
  }
  return out;
}

type Merge = LabelsJson['merges'][number];

/** Merges are applied in order: both sides appending is their appends in turn; anything else both changed conflicts. */
function mergeMerges(base: Merge[], ours: Merge[], theirs: Merge[]): Merge[] | undefined {
  const same = (a: Merge[], b: Merge[]) =>
    a.length === b.length && a.every((m, i) => m.from === b[i]!.from && m.into === b[i]!.into);
  if (same(ours, base)) return theirs;
  if (same(theirs, base) || same(ours, theirs)) return ours;
  const extends_ = (a: Merge[]) => a.length > base.length && same(a.slice(0, base.length), base);
  return extends_(ours) && extends_(theirs) ? [...theirs, ...ours.slice(base.length)] : undefined;
}

function quoted(name: string | undefined): string {
  return name === undefined ? 'the default' : `"${cut(name)}"`;
}

function inCluster(c: number | undefined): string {
  return c === undefined ? 'its trained cluster' : `cluster ${c}`;
}

function cut(s: string): string {
  return s.length > 80 ? s.slice(0, 79) + '…' : s;
}
