/**
 * A run as the views show it: assignments.csv, minus images deleted since training, plus images
 * added since (assigned live by the model), with the user's labels.json edits applied. Pure, so
 * the gallery and confusion pages can be tested from fixture files without VS Code.
 */
import { clusterName, effectiveClusters, isLive } from '../../common/labels.js';
import type { LabelsJson } from '../../protocol/labels.js';
import type { Assignment, RunJson } from '../../protocol/run.js';
import { splitPaths, type GalleryCluster, type GalleryState } from '../../protocol/galleryMessages.js';
import { type RunChoice, type RunInfo } from '../../protocol/pageMessages.js';
import type { Assigned } from '../workspace/watcherDataset.js';
import { runLabelOf } from '../methods.js';

export interface RunModel {
  dir: string;
  run: RunJson;
  paths: string[];
  /** Where training (or the live assignment) put each image. */
  trained: Int32Array;
  /** Where it is now, after the user's moves and merges. */
  cluster: Int32Array;
  confidence: Float64Array;
  /** Class index, -1 when unlabelled. */
  label: Int32Array;
  isNew: Uint8Array;
  labels: LabelsJson;
  /** The dataset's exclusion list: shown as excluded, left out of exports. */
  excluded: ReadonlySet<string>;
  /** Path -> position in the arrays. */
  index: Map<string, number>;
}

export interface LiveChanges {
  added: ReadonlyMap<string, Assigned>;
  removed: ReadonlySet<string>;
}

export function buildRunModel(
  dir: string,
  run: RunJson,
  rows: readonly Assignment[],
  labels: LabelsJson,
  live?: LiveChanges,
  excluded: ReadonlySet<string> = new Set(),
): RunModel {
  const classIndex = new Map(run.dataset.classes.map((c, i) => [c, i]));
  const kept = live ? rows.filter((r) => !live.removed.has(r.path)) : rows;
  const added = live ? [...live.added].map(([path, a]) => ({ path, ...a })) : [];
  const n = kept.length + added.length;
  const paths = new Array<string>(n);
  const trained = new Int32Array(n);
  const confidence = new Float64Array(n);
  const label = new Int32Array(n).fill(-1);
  const isNew = new Uint8Array(n);
  kept.forEach((r, i) => {
    paths[i] = r.path;
    trained[i] = r.cluster;
    confidence[i] = r.confidence;
    if (r.label !== undefined) label[i] = classIndex.get(r.label) ?? -1;
  });
  added.forEach((a, j) => {
    const i = kept.length + j;
    paths[i] = a.path;
    trained[i] = a.cluster;
    confidence[i] = a.confidence;
    isNew[i] = 1;
    // The class is the folder an image is in, as the trainer's scan reads it.
    const parts = a.path.split('/');
    if (parts.length >= 2) label[i] = classIndex.get(parts[parts.length - 2]!) ?? -1;
  });
  return {
    dir,
    run,
    paths,
    trained,
    cluster: effectiveClusters(paths, trained, labels),
    confidence,
    label,
    isNew,
    labels,
    excluded,
    index: new Map(paths.map((p, i) => [p, i])),
  };
}

/** Every cluster the user can see or move images into: the trained ones and any made by moves, minus merged-away ones. */
export function liveClusterIds(m: RunModel): number[] {
  const ids = new Set<number>();
  for (let c = 0; c < m.run.config.clusters; c++) ids.add(c);
  for (const c of m.cluster) ids.add(c);
  for (const k of Object.keys(m.labels.names)) ids.add(Number(k));
  return [...ids].filter((c) => isLive(m.labels, c)).sort((a, b) => a - b);
}

export function clusterStats(m: RunModel): GalleryCluster[] {
  const classes = m.run.dataset.classes;
  const stats = new Map<
    number,
    { size: number; conf: number; labelled: number; byClass: Map<number, number> }
  >();
  for (const id of liveClusterIds(m)) stats.set(id, { size: 0, conf: 0, labelled: 0, byClass: new Map() });
  for (let i = 0; i < m.paths.length; i++) {
    const s = stats.get(m.cluster[i]!)!;
    s.size++;
    s.conf += m.confidence[i]!;
    const l = m.label[i]!;
    if (l >= 0) {
      s.labelled++;
      s.byClass.set(l, (s.byClass.get(l) ?? 0) + 1);
    }
  }
  return [...stats].map(([id, s]) => {
    const out: GalleryCluster = {
      id,
      name: clusterName(m.labels, id),
      size: s.size,
      meanConfidence: s.size ? s.conf / s.size : 0,
    };
    if (s.labelled > 0) {
      const [major, count] = [...s.byClass].reduce((a, b) => (b[1] > a[1] ? b : a));
      out.purity = count / s.labelled;
      out.majority = classes[major] ?? String(major);
    }
    return out;
  });
}

/** A run as the pages' pickers list it: the same name as the Runs tree's. */
export function runChoiceOf(dir: string, run: RunJson, name?: string): RunChoice {
  return { dir, label: runLabelOf(run, name), status: run.status };
}

/** The pickers' entries for these runs; runs named alike (two started in the same minute) add their folder names, so every page tells them apart. */
export function runChoicesOf(entries: readonly { dir: string; run: RunJson; name?: string }[]): RunChoice[] {
  const choices = entries.map((e) => runChoiceOf(e.dir, e.run, e.name));
  const labels = choices.map((c) => c.label);
  return choices.map((c, i) =>
    labels.indexOf(c.label) === labels.lastIndexOf(c.label)
      ? c
      : { ...c, label: `${c.label} (${entries[i]!.run.id})` },
  );
}

export function runInfoOf(dir: string, run: RunJson): RunInfo {
  return { dir, id: run.id, method: run.method, status: run.status, datasetRoot: run.dataset.root };
}

export function galleryState(
  m: RunModel,
  runs: RunChoice[],
  canUndo: boolean,
  canRedo: boolean,
): GalleryState {
  const newItems: number[] = [];
  const movedItems: number[] = [];
  const excludedItems: number[] = [];
  for (let i = 0; i < m.paths.length; i++) {
    if (m.isNew[i]) newItems.push(i);
    if (m.cluster[i] !== m.trained[i]) movedItems.push(i);
    if (m.excluded.has(m.paths[i]!)) excludedItems.push(i);
  }
  return {
    type: 'gallery',
    runs,
    run: runInfoOf(m.dir, m.run),
    classes: m.run.dataset.classes,
    superClasses: m.run.dataset.superClasses,
    superOfClass: m.run.dataset.superOfClass ?? m.run.dataset.classes.map(() => -1),
    clusters: clusterStats(m),
    // Four decimals are all a viewer shows, and halve the message for 70,000 images.
    items: {
      ...splitPaths(m.paths),
      cluster: Array.from(m.cluster),
      confidence: Array.from(m.confidence, (c) => Math.round(c * 1e4) / 1e4),
      label: Array.from(m.label),
    },
    newItems,
    movedItems,
    excludedItems,
    canUndo,
    canRedo,
  };
}

/** A page with no run to show: only the picker and why. */
export function noRunState(runs: RunChoice[], error: string | undefined, what: string): GalleryState {
  return {
    type: 'gallery',
    runs,
    classes: [],
    superClasses: [],
    superOfClass: [],
    clusters: [],
    items: { folders: [], folder: [], names: [], cluster: [], confidence: [], label: [] },
    newItems: [],
    movedItems: [],
    excludedItems: [],
    canUndo: false,
    canRedo: false,
    error:
      error ??
      (runs.length === 0
        ? `No runs yet: train one (ClusterLab: Train Clustering) and its ${what} here.`
        : undefined),
  };
}
