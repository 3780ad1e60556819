/**
 * Every message between the extension host and the webviews (gallery, confusion, charts, compare, map),
 * as schemas: the host validates everything a webview sends (a webview is untrusted content), and
 * a webview validates what the host sends before drawing it.
 */
import { RUN_STATUSES } from './run.js';
import {
  arr,
  bool,
  int,
  lit,
  num,
  obj,
  oneOf,
  opt,
  orNull,
  record,
  str,
  tagged,
  type Infer,
} from './schema.js';

const path = str(4096);
const clusterId = int(0, 999_999_999);
/** A class or super-class index, -1 for none. */
const classIndex = int(-1, 1_000_000);

const runStatus = oneOf(...RUN_STATUSES);
/** An entry of the run picker every page shows. */
export const runChoice = obj({ dir: path, label: str(300), status: runStatus });
export const runInfo = obj({
  dir: path,
  id: str(300),
  method: str(40),
  status: runStatus,
  datasetRoot: path,
});
export type RunChoice = Infer<typeof runChoice>;
export type RunInfo = Infer<typeof runInfo>;

const scores = obj({ acc: num, nmi: num, ari: num });
const superScores = obj({ acc: num, nmi: num, ari: num, accKind: oneOf('hungarian', 'purity') });

// ---- gallery ----

export const galleryCluster = obj({
  id: clusterId,
  name: str(200),
  size: int(0),
  meanConfidence: num,
  /** Share of the labelled members in the majority class; absent when no member is labelled. */
  purity: opt(num),
  majority: opt(str(300)),
});
export type GalleryCluster = Infer<typeof galleryCluster>;

/**
 * Column arrays (one entry per image) keep 70,000 images a couple of megabytes of JSON; paths
 * are split into a table of folders and file names, which a class-per-folder dataset repeats.
 */
export const galleryItems = obj({
  /** Folder prefixes (with their trailing "/", or ""), relative to the dataset root. */
  folders: arr(path),
  /** Per image, its index into folders. */
  folder: arr(int(0)),
  /** Per image, its file name: the path is folders[folder[i]] + names[i]. */
  names: arr(path),
  cluster: arr(clusterId),
  confidence: arr(num),
  /** Index into classes, -1 when unlabelled. */
  label: arr(classIndex),
});
export type GalleryItems = Infer<typeof galleryItems>;

export function splitPaths(paths: readonly string[]): Pick<GalleryItems, 'folders' | 'folder' | 'names'> {
  const index = new Map<string, number>();
  const folders: string[] = [];
  const folder = new Array<number>(paths.length);
  const names = new Array<string>(paths.length);
  paths.forEach((p, i) => {
    const cut = p.lastIndexOf('/') + 1;
    const dir = p.slice(0, cut);
    let f = index.get(dir);
    if (f === undefined) index.set(dir, (f = folders.push(dir) - 1));
    folder[i] = f;
    names[i] = p.slice(cut);
  });
  return { folders, folder, names };
}

export function joinPaths(items: Pick<GalleryItems, 'folders' | 'folder' | 'names'>): string[] {
  return items.names.map((n, i) => items.folders[items.folder[i]!]! + n);
}

export const galleryState = obj({
  type: lit('gallery'),
  runs: arr(runChoice),
  run: opt(runInfo),
  classes: arr(str(300)),
  superClasses: arr(str(300)),
  /** Per class, its super-class index (-1: none). */
  superOfClass: arr(classIndex),
  clusters: arr(galleryCluster),
  items: galleryItems,
  /** Indices of images added after training and assigned by the model ("new" badge). */
  newItems: arr(int(0)),
  /** Indices of images the user moved. */
  movedItems: arr(int(0)),
  /** Indices of images on the dataset's exclusion list (shown as excluded, left out of exports). */
  excludedItems: arr(int(0)),
  canUndo: bool,
  canRedo: bool,
  /** Why the run could not be shown. */
  error: opt(str(2000)),
});
export type GalleryState = Infer<typeof galleryState>;

/** Thumbnail URLs for the paths a gallery asked for; uri "" where the image could not be read. */
export const thumbsReply = obj({ type: lit('thumbs'), thumbs: arr(obj({ path, uri: str(8192) }), 5000) });
export type ThumbsReply = Infer<typeof thumbsReply>;

/**
 * Narrows the gallery to one cluster, optionally to one class or super-class in it (a heatmap
 * click), or to exactly `images` (dataset-relative paths) shown as one chip named `title`.
 */
export const galleryFilter = obj({
  type: lit('filter'),
  cluster: opt(clusterId),
  classIndex: opt(classIndex),
  superIndex: opt(classIndex),
  images: opt(arr(str(), 1_000_000)),
  title: opt(str(200)),
});
export type GalleryFilter = Infer<typeof galleryFilter>;

/** The run's shared selection (linked views): what one page selected, the others show. */
export const selectionMessage = obj({ type: lit('selection'), paths: arr(path) });
export type SelectionMessage = Infer<typeof selectionMessage>;

/** Per image (state order), its "doesn't belong" score (src/common/belong.ts), null for none; `note` says why there are none. */
export const belongScores = obj({
  type: lit('belong'),
  dir: path,
  scores: arr(orNull(num)),
  note: opt(str(500)),
});
export type BelongScores = Infer<typeof belongScores>;

export const hostToGallery = tagged(galleryState, thumbsReply, galleryFilter, selectionMessage, belongScores);
export type HostToGallery = Infer<typeof hostToGallery>;

const ready = obj({ type: lit('ready') });
/** Puts the images on the dataset's exclusion list (`exclude` false: takes them off it). */
const excludeMessage = obj({ type: lit('exclude'), paths: arr(path), exclude: bool });
const selectRun = obj({ type: lit('selectRun'), dir: path });

export const galleryToHost = tagged(
  ready,
  selectRun,
  obj({ type: lit('thumbs'), paths: arr(path, 2000) }),
  obj({ type: lit('open'), path }),
  obj({ type: lit('reveal'), path }),
  obj({ type: lit('copyPath'), path }),
  obj({ type: lit('rename'), cluster: clusterId, name: str(200) }),
  obj({ type: lit('move'), paths: arr(path), to: clusterId }),
  obj({ type: lit('moveToNew'), paths: arr(path) }),
  obj({ type: lit('merge'), from: clusterId, into: clusterId }),
  obj({ type: lit('undo') }),
  obj({ type: lit('redo') }),
  /** `paths`: only the selection. */
  obj({ type: lit('export'), format: oneOf('csv', 'json'), paths: opt(arr(path)) }),
  obj({ type: lit('materialize'), paths: opt(arr(path)) }),
  obj({ type: lit('openPanel') }),
  selectionMessage,
  excludeMessage,
  /** Asks for the shown run's "doesn't belong" scores. */
  obj({ type: lit('belong') }),
);
export type GalleryToHost = Infer<typeof galleryToHost>;

// ---- super-class confusion ----

export const confusionState = obj({
  type: lit('confusion'),
  runs: arr(runChoice),
  run: opt(runInfo),
  /** Clusters with labelled members, in display order (a good clustering reads as a diagonal). */
  rows: arr(obj({ cluster: clusterId, name: str(200), size: int(0) })),
  classes: arr(str(300)),
  /** Class ids in display order: grouped by super-class. */
  classOrder: arr(int(0)),
  /** Runs of classOrder sharing a super-class; name "" for classes without one. */
  groups: arr(obj({ name: str(300), start: int(0), end: int(0) })),
  /** counts[row][class id], rows as in `rows`. */
  counts: arr(arr(int(0))),
  /** Per row, the class the Hungarian matching gives its cluster (-1: unmatched). */
  match: arr(classIndex),
  superClasses: arr(str(300)),
  /** superCounts[row][super-class id]. */
  superCounts: arr(arr(int(0))),
  /** Per row, the matched super-class when k equals their number, else empty. */
  superMatch: arr(classIndex),
  scores: opt(scores),
  superScores: opt(superScores),
  error: opt(str(2000)),
});
export type ConfusionState = Infer<typeof confusionState>;

export const hostToConfusion = tagged(confusionState);

export const confusionToHost = tagged(
  ready,
  selectRun,
  obj({ type: lit('showCell'), cluster: clusterId, classIndex: opt(int(0)), superIndex: opt(int(0)) }),
);
export type ConfusionToHost = Infer<typeof confusionToHost>;

// ---- training charts ----

/** How a series reads and is drawn: a fraction on a 0..1 axis, an index as steps (the host's metricLabels.ts). */
const seriesKind = oneOf('fraction', 'index');

/** One numeric series of metrics.jsonl, null where a row lacks it (e.g. scores only every few epochs). */
export const chartSeries = obj({
  key: str(300),
  label: str(300),
  kind: opt(seriesKind),
  group: str(100),
  values: arr(orNull(num)),
});
export type ChartSeries = Infer<typeof chartSeries>;

export const chartsState = obj({
  type: lit('charts'),
  runs: arr(runChoice),
  run: opt(runInfo),
  epochs: arr(int(0)),
  /** Each row's stage as people name it ("self-labeling"): a dashed line where it changes. */
  phases: arr(str(100)),
  series: arr(chartSeries, 1000),
  error: opt(str(2000)),
});
export type ChartsState = Infer<typeof chartsState>;

export const hostToCharts = tagged(chartsState);

export const chartsToHost = tagged(ready, selectRun);
export type ChartsToHost = Infer<typeof chartsToHost>;

// ---- compare runs ----

/** A table column: text (method, a setting) or a number; `better` marks the best value of a number column. */
export const compareColumn = obj({
  key: str(300),
  label: str(300),
  kind: oneOf('text', 'number', 'share'),
  better: opt(oneOf('high', 'low')),
  /** Said on hover: what the column means. */
  doc: opt(str(1000)),
});
export type CompareColumn = Infer<typeof compareColumn>;

/** One cell: its text, and for number columns the value (the mean of folded seeds) and their sd. */
export const compareCell = obj({ text: str(2000), value: opt(num), sd: opt(num) });
export type CompareCell = Infer<typeof compareCell>;

/** One row: a run, or runs that differ only by seed folded into one. */
export const compareRow = obj({ dirs: arr(path, 1000), cells: arr(compareCell, 1000) });
export type CompareRow = Infer<typeof compareRow>;

const agreementGrid = arr(arr(orNull(num), 1000), 1000);

export const compareState = obj({
  type: lit('compare'),
  /** Every run, to choose from. */
  runs: arr(runChoice),
  /** The compared runs, and a short name for each (axes, legends). */
  chosen: arr(path, 1000),
  names: arr(str(300), 1000),
  columns: arr(compareColumn, 1000),
  rows: arr(compareRow, 1000),
  /** The same rows with runs differing only by seed folded, when some do. */
  foldedRows: opt(arr(compareRow, 1000)),
  /** Between every pair of chosen runs, on the images both clustered (null: none shared). */
  agreement: obj({ nmi: agreementGrid, ari: agreementGrid }),
  /** metrics.jsonl columns over the union of the runs' epochs: values[run][epoch index]. */
  overlay: obj({
    epochs: arr(int(0), 100_000),
    metrics: arr(
      obj({
        key: str(300),
        label: str(300),
        kind: opt(seriesKind),
        values: arr(arr(orNull(num), 100_000), 1000),
      }),
      1000,
    ),
  }),
  /** Run A x run B: their clusters' contingency table with the Hungarian matching. */
  pair: opt(
    obj({
      a: path,
      b: path,
      rows: arr(obj({ cluster: clusterId, name: str(200), size: int(0) })),
      cols: arr(obj({ cluster: clusterId, name: str(200), size: int(0) })),
      counts: arr(arr(int(0))),
      /** Per row, the matched column index (-1: none). */
      match: arr(int(-1)),
      matchedShare: num,
      shared: int(0),
    }),
  ),
  /** Runs differing only in cluster count (and seed): scores against K. */
  kSweep: opt(
    obj({
      points: arr(obj({ k: int(1), runs: int(1), scores: record(str(100), num, 100) })),
      suggested: opt(int(1)),
      rule: str(2000),
    }),
  ),
  /** Run A's merge candidates that are still live, with sample images of both clusters. */
  merges: opt(
    obj({
      dir: path,
      canUndo: bool,
      pairs: arr(
        obj({
          a: clusterId,
          b: clusterId,
          nameA: str(200),
          nameB: str(200),
          score: num,
          count: int(0),
          samplesA: arr(path, 16),
          samplesB: arr(path, 16),
        }),
        100,
      ),
      note: opt(str(1000)),
    }),
  ),
  error: opt(str(2000)),
});
export type CompareState = Infer<typeof compareState>;

export const hostToCompare = tagged(compareState, thumbsReply);
export type HostToCompare = Infer<typeof hostToCompare>;

export const compareToHost = tagged(
  ready,
  obj({ type: lit('setRuns'), dirs: arr(path, 1000) }),
  obj({ type: lit('selectPair'), a: path, b: path }),
  /** A contingency cell: the images run A put in cluster a and run B in cluster b. */
  obj({ type: lit('showCell'), a: clusterId, b: clusterId }),
  /** Merge run A's cluster `from` into `into` (a merge candidate). */
  obj({ type: lit('merge'), from: clusterId, into: clusterId }),
  obj({ type: lit('undo') }),
  obj({ type: lit('copy'), text: str(2_000_000) }),
);
export type CompareToHost = Infer<typeof compareToHost>;

// ---- embedding map ----

/**
 * The run's 2-D map: x, y per image in `items` order, scaled into the unit square. Images added
 * after training have no features; they sit at their cluster's centre (listed in `placed`).
 */
export const mapLayout = obj({
  method: str(200),
  knnPreservation: num,
  xy: arr(num, 4_000_000),
  placed: arr(int(0)),
});
export type MapLayout = Infer<typeof mapLayout>;

export const mapState = obj({
  ...galleryState.fields,
  type: lit('map'),
  layout: opt(mapLayout),
  /** Without a layout: the run saved features, so the trainer can compute one. */
  canCompute: bool,
});
export type MapState = Infer<typeof mapState>;

/** The trainer's progress on the layout the page asked for. */
export const layoutProgress = obj({
  type: lit('layoutProgress'),
  message: str(300),
  percentage: opt(num),
  done: bool,
});
export type LayoutProgress = Infer<typeof layoutProgress>;

export const hostToMap = tagged(mapState, thumbsReply, selectionMessage, layoutProgress);
export type HostToMap = Infer<typeof hostToMap>;

export const mapToHost = tagged(
  ready,
  selectRun,
  obj({ type: lit('thumbs'), paths: arr(path, 2000) }),
  obj({ type: lit('open'), path }),
  selectionMessage,
  obj({ type: lit('move'), paths: arr(path), to: clusterId }),
  obj({ type: lit('moveToNew'), paths: arr(path), name: opt(str(200)) }),
  obj({ type: lit('rename'), cluster: clusterId, name: str(200) }),
  obj({ type: lit('undo') }),
  obj({ type: lit('redo') }),
  obj({ type: lit('exportSelection'), paths: arr(path), format: oneOf('csv', 'json') }),
  obj({ type: lit('showInGallery'), paths: arr(path) }),
  obj({ type: lit('computeLayout') }),
  excludeMessage,
);
export type MapToHost = Infer<typeof mapToHost>;
