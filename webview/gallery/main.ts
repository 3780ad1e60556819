/**
 * The cluster gallery: clusters as sections of a virtual thumbnail grid, or the top-confidence
 * overview; rename, move, merge, undo/redo and export go to the host, which owns labels.json.
 */
import {
  hostToGallery,
  joinPaths,
  type GalleryFilter,
  type GalleryState,
  type GalleryToHost,
  type HostToGallery,
} from '../../src/protocol/galleryMessages.js';
import '../shared/elements.js';
import { h } from '../shared/dom.js';
import { connect, saveState, savedState } from '../shared/host.js';
import { banner, runPicker } from '../shared/runPicker.js';
import { editKeys } from '../shared/editKeys.js';
import { VirtualGrid } from './grid.js';
import { columnsFor, layoutRows, type Layout } from './layout.js';
import { galleryMenus } from './menus.js';
import { startRename } from './rename.js';
import { renderRow, type RowContext } from './rows.js';
import { buildSections, emptyReasons, type Gallery, type Section, type ViewSettings } from './sections.js';
import { toolbar } from './toolbar.js';

performance.mark('gallery-script');
const host = connect<GalleryToHost, HostToGallery>(hostToGallery, (m) => {
  if (m.type === 'gallery') setState(m);
  else if (m.type === 'thumbs') addThumbs(m.thumbs);
  else if (m.type === 'selection') showSelection(m.paths);
  else if (m.type === 'belong') addBelong(m.dir, m.scores, m.note);
  else applyCellFilter(m);
});

const settings = savedState<ViewSettings & { collapsed: number[] }>({
  mode: 'clusters',
  sort: 'confidence-desc',
  classFilter: '',
  search: '',
  topN: 8,
  collapsed: [],
});
const collapsed = new Set(settings.collapsed);
const selected = new Set<string>();
const thumbs = new Map<string, string>();
/** When each path was last asked for, so a slow thumbnail is not requested again every frame. */
const askedAt = new Map<string, number>();
let state: Gallery | undefined;
let cell: GalleryFilter | undefined;
let sections: Section[] = [];
let layout: Layout | undefined;
let ctx: RowContext | undefined;
let anchor: { section: number; index: number } | undefined;
let painted = false;
/** The "doesn't belong" scores were asked for this state (they come once per state). */
let belongAsked = false;

const picker = runPicker((dir) => host.send({ type: 'selectRun', dir }));
const notice = banner();
const menus = galleryMenus({
  state: () => state,
  selected,
  redraw,
  selectedExcluded,
  send: (m) => host.send(m),
});
const bar = toolbar({
  settings,
  onSettings: () => {
    saveState({ ...settings, collapsed: [...collapsed] });
    rebuild();
  },
  onClearCell: () => {
    cell = undefined;
    rebuild();
  },
  onMoveSelection: (x, y) => menus.moveMenu(x, y, [...selected]),
  onClearSelection: () => {
    selected.clear();
    redraw();
  },
  onExcludeSelection: (exclude) => host.send({ type: 'exclude', paths: [...selected], exclude }),
  selectedPaths: () => [...selected],
  send: (m) => host.send(m),
});
const scroller = h('div', {
  class: 'scroller',
  role: 'grid',
  'aria-label': 'Images by cluster',
  tabindex: 0,
});
const emptyHint = h('div', { class: 'banner empty-hint', role: 'status', hidden: true });
const grid = new VirtualGrid(
  scroller,
  (r, l) => renderRow(ctx!, r, l),
  () => requestVisibleThumbs(),
);
document
  .getElementById('app')!
  .replaceChildren(h('div', { class: 'top-bar' }, picker.el, bar.el), notice.el, emptyHint, scroller);

function setState(message: GalleryState): void {
  performance.mark('gallery-state');
  const next: Gallery = { ...message, paths: joinPaths(message.items) };
  const runChanged = next.run?.dir !== state?.run?.dir;
  state = next;
  // An edit moves the clusters' centres: the scores of the last state no longer hold.
  belongAsked = false;
  if (runChanged) {
    cell = undefined;
    selected.clear();
    scroller.scrollTop = 0;
  }
  // Selections survive edits but not images that are gone.
  const present = new Set(next.paths);
  for (const p of selected) if (!present.has(p)) selected.delete(p);
  picker.update(next.runs, next.run?.dir);
  notice.set(next.error);
  rebuild();
}

/** Recomputes sections and layout (data, filters, sort, width or collapsed sections changed). */
function rebuild(): void {
  if (!state) return;
  if (settings.sort === 'belong' && !state.belong && !belongAsked && state.run) {
    belongAsked = true;
    host.send({ type: 'belong' });
  }
  const columns = columnsFor(scroller.clientWidth);
  settings.topN = Math.max(1, columns - 2);
  sections = buildSections(state, settings, cell);
  ctx = {
    state,
    sections,
    selected,
    thumbs,
    isNew: new Set(state.newItems),
    isMoved: new Set(state.movedItems),
    isExcluded: new Set(state.excludedItems),
    collapsed,
  };
  const shown = sections.reduce((n, s) => n + s.items.length, 0);
  bar.update(state, cell, selected.size, shown, selectedExcluded());
  shareSelection();
  // A narrowed view that shows nothing says which filter hides what.
  const reasons = shown === 0 && state.paths.length > 0 ? emptyReasons(state, settings, cell) : [];
  emptyHint.hidden = reasons.length === 0;
  emptyHint.textContent = reasons.length ? `No images shown: ${reasons.join('; ')}.` : '';
  layout = layoutRows(sections, scroller.clientWidth, settings.mode, collapsed);
  grid.setLayout(layout);
  if (!painted && state.run) {
    painted = true;
    // The first frame that shows the gallery: the benchmark reads this mark.
    requestAnimationFrame(() => performance.mark('gallery-first-paint'));
  }
}

function addBelong(dir: string, scores: (number | null)[], note: string | undefined): void {
  if (!state || state.run?.dir !== dir) return;
  if (note) notice.set(`Doesn’t belong: ${note}.`);
  if (scores.length !== state.paths.length) return;
  state.belong = Float64Array.from(scores, (x) => x ?? NaN);
  rebuild();
}

/** Linked views: the run's other pages (the map) show what is selected here, and the reverse. */
let shared: string[] = [];
function shareSelection(): void {
  const now = [...selected];
  if (now.length === shared.length && now.every((p, i) => p === shared[i])) return;
  shared = now;
  host.send({ type: 'selection', paths: now });
}

function showSelection(paths: string[]): void {
  selected.clear();
  for (const p of paths) selected.add(p);
  shared = [...selected];
  redraw();
}

/** How many selected images are on the exclusion list (all of them: the toolbar offers to include them again). */
function selectedExcluded(): number {
  if (!ctx || selected.size === 0) return 0;
  let n = 0;
  for (const i of ctx.isExcluded) if (selected.has(state!.paths[i]!)) n++;
  return n;
}

/** Redraws rows in place (selection changed); the layout stays. */
function redraw(): void {
  shareSelection();
  if (!state || !layout) return;
  bar.update(
    state,
    cell,
    selected.size,
    sections.reduce((n, s) => n + s.items.length, 0),
    selectedExcluded(),
  );
  grid.setLayout(layout);
}

let thumbTimer = 0;
function requestVisibleThumbs(): void {
  clearTimeout(thumbTimer);
  thumbTimer = window.setTimeout(() => {
    const now = performance.now();
    const want: string[] = [];
    for (const row of grid.mountedRows()) {
      for (const img of row.querySelectorAll<HTMLImageElement>('img:not([src])')) {
        const p = img.dataset.path!;
        if ((askedAt.get(p) ?? -Infinity) > now - 3000) continue;
        askedAt.set(p, now);
        want.push(p);
      }
    }
    if (want.length > 0) host.send({ type: 'thumbs', paths: want.slice(0, 2000) });
  }, 30);
}

function addThumbs(list: { path: string; uri: string }[]): void {
  for (const t of list) if (t.uri) thumbs.set(t.path, t.uri);
  for (const row of grid.mountedRows()) {
    for (const img of row.querySelectorAll<HTMLImageElement>('img:not([src])')) {
      const uri = thumbs.get(img.dataset.path!);
      if (uri) img.src = uri;
    }
  }
}

function applyCellFilter(f: GalleryFilter): void {
  cell = f;
  settings.mode = 'clusters';
  // A click from the heatmap (or a set of images from another page) shows exactly those images: earlier searches and class filters go.
  settings.search = '';
  settings.classFilter = '';
  bar.showSettings();
  saveState({ ...settings, collapsed: [...collapsed] });
  if (f.cluster !== undefined) collapsed.delete(f.cluster);
  scroller.scrollTop = 0;
  rebuild();
}

// ---- pointer and keyboard ----

function tileOf(e: Event): { i: number; path: string } | undefined {
  const el = (e.target as Element).closest<HTMLElement>('.tile');
  if (!el || !state) return undefined;
  const i = Number(el.dataset.i);
  return { i, path: state.paths[i]! };
}

function clusterOf(e: Event): number | undefined {
  const el = (e.target as Element).closest<HTMLElement>('[data-cluster]');
  return el ? Number(el.dataset.cluster) : undefined;
}

/** Where tile i sits in the displayed sections (for shift-click ranges). */
function positionOf(i: number): { section: number; index: number } | undefined {
  for (let s = 0; s < sections.length; s++) {
    const at = sections[s]!.items.indexOf(i);
    if (at >= 0) return { section: s, index: at };
  }
  return undefined;
}

scroller.addEventListener('click', (e) => {
  const action = (e.target as Element).closest<HTMLElement>('[data-action]')?.dataset.action;
  const cluster = clusterOf(e);
  if (action && cluster !== undefined) return headerAction(action, cluster, e);
  const t = tileOf(e);
  if (!t) return;
  if (e.shiftKey && anchor) {
    const here = positionOf(t.i);
    if (here && here.section === anchor.section) {
      const items = sections[here.section]!.items;
      const [a, b] = here.index < anchor.index ? [here.index, anchor.index] : [anchor.index, here.index];
      for (let k = a; k <= b; k++) selected.add(state!.paths[items[k]!]!);
      return redraw();
    }
  }
  anchor = positionOf(t.i);
  if (e.ctrlKey || e.metaKey) {
    if (!selected.delete(t.path)) selected.add(t.path);
    return redraw();
  }
  host.send({ type: 'open', path: t.path });
});

// Keyboard: Enter on a cluster name renames it, on an image opens it; Space selects an image.
scroller.addEventListener('keydown', (e) => {
  const target = e.target as HTMLElement;
  const cluster = clusterOf(e);
  if (e.key === 'Enter' && target.dataset.action === 'rename' && cluster !== undefined)
    rename(target, cluster);
  else if (e.key === 'Enter' && target.classList.contains('tile'))
    host.send({ type: 'open', path: tileOf(e)!.path });
  else if (e.key === ' ' && target.classList.contains('tile')) {
    const t = tileOf(e)!;
    if (!selected.delete(t.path)) selected.add(t.path);
    redraw();
    // Redrawing replaced the rows: keep the keyboard on the same image.
    scroller.querySelector<HTMLElement>(`.tile[data-i="${t.i}"]`)?.focus();
  } else return;
  e.preventDefault();
});

scroller.addEventListener('contextmenu', (e) => {
  const t = tileOf(e);
  if (!t) return;
  e.preventDefault();
  menus.tileMenu(e, t.path);
});

function headerAction(action: string, cluster: number, e: MouseEvent): void {
  if (action === 'collapse') {
    if (!collapsed.delete(cluster)) collapsed.add(cluster);
    saveState({ ...settings, collapsed: [...collapsed] });
    return rebuild();
  }
  if (action === 'rename') return rename(e.target as HTMLElement, cluster);
  if (action === 'select-all') {
    const s = sections.find((x) => x.cluster.id === cluster);
    for (const i of s?.items ?? []) selected.add(state!.paths[i]!);
    return redraw();
  }
  if (action === 'merge') menus.mergeMenu(e, cluster);
}

function rename(nameEl: HTMLElement, cluster: number): void {
  startRename(nameEl, (name) => host.send({ type: 'rename', cluster, name }));
}

editKeys(
  (m) => host.send(m),
  () => {
    if (selected.size === 0) return false;
    selected.clear();
    redraw();
    return true;
  },
);

let lastWidth = 0;
new ResizeObserver(() => {
  if (scroller.clientWidth === lastWidth) return;
  lastWidth = scroller.clientWidth;
  rebuild();
}).observe(scroller);

host.send({ type: 'ready' });
