/** The gallery page's messages (shared parts in pageMessages.ts). */
import {
  classIndex,
  clusterId,
  excludeMessage,
  mergeClusters,
  moveImages,
  openImage,
  path,
  ready,
  redo,
  renameCluster,
  runChoice,
  runInfo,
  selectionMessage,
  selectRun,
  thumbsReply,
  thumbsRequest,
  undo,
} from './pageMessages.js';
import { arr, bool, int, lit, num, obj, oneOf, opt, orNull, str, tagged, type Infer } from './schema.js';

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

export const galleryToHost = tagged(
  ready,
  selectRun,
  thumbsRequest,
  openImage,
  obj({ type: lit('reveal'), path }),
  obj({ type: lit('copyPath'), path }),
  renameCluster,
  moveImages,
  obj({ type: lit('moveToNew'), paths: arr(path) }),
  mergeClusters,
  undo,
  redo,
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
