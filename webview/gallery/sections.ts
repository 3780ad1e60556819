/**
 * Which images the gallery shows and in what order: grouped by cluster, narrowed by the class or
 * super-class filter, the file-name search, a heatmap cell or a set of images (a map selection),
 * and sorted by confidence (ascending puts a cluster's doubtful members first) or "doesn't belong"
 * (worst first). Pure, so it is cheap to recompute on every keystroke.
 */
import type { GalleryCluster, GalleryFilter, GalleryState } from '../../src/protocol/galleryMessages.js';
import { count } from '../../src/common/plural.js';

export type SortOrder = 'confidence-desc' | 'confidence-asc' | 'path' | 'belong';

export interface ViewSettings {
  mode: 'clusters' | 'top';
  sort: SortOrder;
  /** "" for all, "c:<class>" or "s:<super-class>". */
  classFilter: string;
  search: string;
  /** How many images per cluster the top-confidence mode shows. */
  topN: number;
}

/**
 * The host's state with each image's path joined once, as every part of the page reads paths, and
 * once the host sent them, each image's "doesn't belong" score (NaN: none).
 */
export type Gallery = GalleryState & { paths: string[]; belong?: Float64Array };

export interface Section {
  cluster: GalleryCluster;
  /** Item indices in display order. */
  items: Int32Array;
}

export function buildSections(
  state: Gallery,
  view: ViewSettings,
  cellFilter: GalleryFilter | undefined,
): Section[] {
  const { items, paths } = state;
  const n = paths.length;
  const keep = itemFilter(state, view, cellFilter);
  const byCluster = new Map<number, number[]>(state.clusters.map((c) => [c.id, []]));
  for (let i = 0; i < n; i++) if (keep(i)) byCluster.get(items.cluster[i]!)?.push(i);

  const conf = items.confidence;
  // Worst first; images without a score last; until the scores arrive, least confident first.
  const belong = state.belong;
  const misfit = belong && ((i: number) => (Number.isNaN(belong[i]!) ? -1 : belong[i]!));
  const order: (a: number, b: number) => number =
    view.mode === 'top' || view.sort === 'confidence-desc'
      ? (a, b) => conf[b]! - conf[a]! || a - b
      : view.sort === 'belong' && misfit
        ? (a, b) => misfit(b) - misfit(a) || conf[a]! - conf[b]! || a - b
        : view.sort === 'confidence-asc' || view.sort === 'belong'
          ? (a, b) => conf[a]! - conf[b]! || a - b
          : (a, b) => (paths[a]! < paths[b]! ? -1 : 1);

  const sections: Section[] = [];
  for (const cluster of state.clusters) {
    if (cellFilter?.cluster !== undefined && cluster.id !== cellFilter.cluster) continue;
    const members = byCluster.get(cluster.id)!;
    // Narrowed views hide clusters with no match; the plain view keeps empty ones as move targets.
    const narrowed = view.search !== '' || view.classFilter !== '' || cellFilter !== undefined;
    if (members.length === 0 && (narrowed || view.mode === 'top')) continue;
    members.sort(order);
    sections.push({
      cluster,
      items: Int32Array.from(view.mode === 'top' ? members.slice(0, view.topN) : members),
    });
  }
  return sections;
}

function itemFilter(
  state: Gallery,
  view: ViewSettings,
  cell: GalleryFilter | undefined,
): (i: number) => boolean {
  const { items, paths, superOfClass } = state;
  const needle = view.search.trim().toLowerCase();
  const [kind, idText] = view.classFilter.split(':');
  const id = Number(idText);
  const tests: ((i: number) => boolean)[] = [];
  if (needle) tests.push((i) => paths[i]!.toLowerCase().includes(needle));
  if (kind === 'c') tests.push((i) => items.label[i] === id);
  if (kind === 's') tests.push((i) => items.label[i]! >= 0 && superOfClass[items.label[i]!] === id);
  if (cell?.classIndex !== undefined) tests.push((i) => items.label[i] === cell.classIndex);
  if (cell?.superIndex !== undefined)
    tests.push((i) => items.label[i]! >= 0 && superOfClass[items.label[i]!] === cell.superIndex);
  if (cell?.images) {
    const only = new Set(cell.images);
    tests.push((i) => only.has(paths[i]!));
  }
  return (i) => tests.every((t) => t(i));
}

/**
 * Why a narrowed view shows nothing: each active filter on its own and how many images it hides,
 * e.g. 'the search “x” hides all 40 images'. Empty when nothing is narrowed.
 */
export function emptyReasons(
  state: Gallery,
  view: ViewSettings,
  cellFilter: GalleryFilter | undefined,
): string[] {
  const total = state.paths.length;
  const hides = (v: ViewSettings, c: GalleryFilter | undefined): string => {
    let shown = 0;
    for (const s of buildSections(state, { ...v, mode: 'clusters' }, c)) shown += s.items.length;
    const hidden = total - shown;
    return hidden === total
      ? `all ${count(total, 'image')}`
      : `${hidden.toLocaleString()} of ${count(total, 'image')}`;
  };
  const none: ViewSettings = { ...view, search: '', classFilter: '' };
  const reasons: string[] = [];
  if (view.search.trim())
    reasons.push(
      `the search “${view.search.trim()}” hides ${hides({ ...none, search: view.search }, undefined)}`,
    );
  if (view.classFilter)
    reasons.push(`the class filter hides ${hides({ ...none, classFilter: view.classFilter }, undefined)}`);
  if (cellFilter) {
    const what = !cellFilter.images
      ? 'the cluster filter'
      : cellFilter.title
        ? `the set “${cellFilter.title}”`
        : 'the set of images';
    reasons.push(`${what} hides ${hides(none, cellFilter)}`);
  }
  return reasons;
}
