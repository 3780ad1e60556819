/**
 * The embedding map: every image a point on the run's 2-D layout, coloured by cluster, class,
 * confidence or "new". Drag pans, the wheel zooms, hovering shows the image, a click opens it;
 * Shift-drag (or the lasso tool) selects a region, Shift-click adds or removes a point. The
 * selection is the run's, shared with the gallery, and edits go to the host (labels.json).
 */
import { hostToMap, type MapState, type MapToHost, type HostToMap } from '../../src/protocol/mapMessages.js';
import { joinPaths } from '../../src/protocol/galleryMessages.js';
import '../shared/elements.js';
import { h, s as svg } from '../shared/dom.js';
import { connect, saveState, savedState } from '../shared/host.js';
import { banner, runPicker } from '../shared/runPicker.js';
import { editKeys } from '../shared/editKeys.js';
import { bounds, fitView, pan, toData, type View } from './camera.js';
import { colorize, modesOf, type ColorMode } from './colors.js';
import { frameScheduler } from './frames.js';
import { mapLegend } from './legend.js';
import { mapPointer } from './pointer.js';
import { PointIndex } from './pointIndex.js';
import { Scatter } from './scatter.js';
import { selectionStrip } from './strip.js';
import { mapTooltip } from './tooltip.js';

performance.mark('map-script');
const host = connect<MapToHost, HostToMap>(hostToMap, (m) => {
  if (m.type === 'map') setState(m);
  else if (m.type === 'thumbs') addThumbs(m.thumbs);
  else if (m.type === 'selection') showSelection(m.paths);
  else showProgress(m.message, m.done, m.percentage);
});

const settings = savedState<{ mode: ColorMode; lasso: boolean; legendFolded: boolean }>({
  mode: 'cluster',
  lasso: false,
  legendFolded: false,
});
let state: MapState | undefined;
let paths: string[] = [];
let pathIndex = new Map<string, number>();
let index: PointIndex | undefined;
let layoutKey = '';
let view: View | undefined;
let fitK = 1;
let selected: number[] = [];
let hovered = -1;
const thumbs = new Map<string, string>();
/** Runs whose missing layout this page already asked for. */
const asked = new Set<string>();

// ---- the page ----

const picker = runPicker((dir) => host.send({ type: 'selectRun', dir }));
const modeSelect = h('vscode-single-select', { 'aria-label': 'Colour by', title: 'Colour by' });
modeSelect.addEventListener('change', () => {
  settings.mode = modeSelect.value as ColorMode;
  saveState(settings);
  recolor();
});
const toolButton = (icon: string, label: string, onClick: () => void) => {
  const el = h('vscode-toolbar-button', { icon, label, title: label, 'data-action': icon });
  el.addEventListener('click', () => el.hasAttribute('disabled') || onClick());
  return el;
};
const lassoButton = toolButton('selection', 'Lasso: drag to select (or Shift-drag)', () => {
  settings.lasso = !settings.lasso;
  saveState(settings);
  lassoButton.toggleAttribute('checked', settings.lasso);
});
lassoButton.setAttribute('toggleable', '');
lassoButton.toggleAttribute('checked', settings.lasso);
const fitButton = toolButton('screen-normal', 'Show the whole map', () => fit());
const undo = toolButton('discard', 'Undo (Ctrl+Z)', () => host.send({ type: 'undo' }));
const redo = toolButton('redo', 'Redo (Ctrl+Shift+Z)', () => host.send({ type: 'redo' }));
const status = h('span', { class: 'status', role: 'status' });
const notice = banner();
const retry = h('vscode-button', { class: 'compute', hidden: true }, 'Compute Map');
retry.addEventListener('click', () => host.send({ type: 'computeLayout' }));

const canvas = h('canvas', {
  class: 'points',
  'aria-label': 'Embedding map: every image as a point',
  role: 'img',
});
const lassoPath = svg('path', { class: 'lasso-path' });
const overlay = svg('svg', { class: 'overlay' }, lassoPath);
const legend = mapLegend(
  settings,
  () => saveState(settings),
  (ids) => setSelection(ids, true),
);
const stage = h('div', { class: 'stage' }, canvas, overlay, legend.el);
const tooltip = mapTooltip(stage);
stage.append(tooltip.el);
const strip = selectionStrip(
  (m) => host.send(m),
  () => setSelection([], true),
);
document
  .getElementById('app')!
  .replaceChildren(
    h(
      'div',
      { class: 'top-bar' },
      picker.el,
      modeSelect,
      lassoButton,
      fitButton,
      undo,
      redo,
      h('span', { class: 'spring' }),
      status,
    ),
    h('div', { class: 'notice-row' }, notice.el, retry),
    stage,
    strip.el,
  );

let scatter: Scatter | undefined;
try {
  scatter = new Scatter(canvas);
} catch (e) {
  notice.set((e as Error).message);
}

// ---- state from the host ----

function setState(next: MapState): void {
  performance.mark('map-state');
  ring = undefined;
  const runChanged = next.run?.dir !== state?.run?.dir;
  const keep = runChanged ? [] : selected.map((i) => paths[i]!);
  state = next;
  paths = joinPaths(next.items);
  pathIndex = new Map(paths.map((p, i) => [p, i]));
  picker.update(next.runs, next.run?.dir);
  notice.set(
    next.error ??
      (next.run && !next.layout && next.canCompute
        ? 'This run has no map yet: computing it from the run’s features…'
        : undefined),
  );
  retry.hidden = true;
  undo.toggleAttribute('disabled', !next.canUndo);
  redo.toggleAttribute('disabled', !next.canRedo);
  const modes = modesOf(next);
  if (!modes.some(([m]) => m === settings.mode)) settings.mode = 'cluster';
  modeSelect.replaceChildren(
    ...modes.map(([v, label]) => h('vscode-option', { value: v, selected: v === settings.mode }, label)),
  );
  modeSelect.value = settings.mode;

  const xy = Float32Array.from(next.layout?.xy ?? []);
  const key = `${next.run?.dir}|${next.layout?.method}|${xy.length}|${xy[0]}|${xy[xy.length - 1]}`;
  if (key !== layoutKey) {
    layoutKey = key;
    index = new PointIndex(xy);
    scatter?.setPoints(xy);
    view = undefined;
    hovered = -1;
  }
  selected = keep.map((p) => pathIndex.get(p)).filter((i): i is number => i !== undefined);
  scatter?.setSelection(selected);
  recolor();
  if (next.run && !next.layout && next.canCompute && !asked.has(next.run.dir)) {
    asked.add(next.run.dir);
    host.send({ type: 'computeLayout' });
  }
  const n = paths.length;
  const parts = [`${n.toLocaleString('en')} images`, `${next.clusters.length} clusters`];
  if (next.layout) parts.push(`kNN kept ${(next.layout.knnPreservation * 100).toFixed(0)}%`);
  status.textContent = parts.join(' · ');
  status.title = next.layout ? `Layout: ${next.layout.method}` : '';
}

function recolor(): void {
  if (!state) return;
  const c = colorize(state, settings.mode);
  scatter?.setColors(c.rgba);
  legend.draw(c.legend, !!state.layout, settings.mode !== 'confidence');
  updateStrip();
  requestDraw();
}

function showProgress(message: string, done: boolean, percentage?: number): void {
  notice.set(
    done && /could not/.test(message)
      ? message
      : done
        ? undefined
        : percentage !== undefined
          ? `${message} (${Math.round(percentage)}%)`
          : message,
  );
  retry.hidden = !(done && /could not/.test(message));
}

// ---- selection ----

function setSelection(ids: number[], share: boolean): void {
  selected = ids;
  scatter?.setSelection(ids);
  if (share) host.send({ type: 'selection', paths: ids.map((i) => paths[i]!) });
  updateStrip();
  requestDraw();
}

/** The gallery (or another map) selected these: show them here. */
function showSelection(list: string[]): void {
  setSelection(
    list.map((p) => pathIndex.get(p)).filter((i): i is number => i !== undefined),
    false,
  );
}

function updateStrip(): void {
  if (!state) return;
  strip.update(state, paths, selected, thumbs);
  const want = strip.missing().filter((p) => !askedThumb.has(p));
  for (const p of want) askedThumb.add(p);
  if (want.length > 0) host.send({ type: 'thumbs', paths: want });
}

const askedThumb = new Set<string>();
function addThumbs(list: { path: string; uri: string }[]): void {
  for (const t of list) if (t.uri) thumbs.set(t.path, t.uri);
  if (selected.length > 0) strip.update(state!, paths, selected, thumbs);
  if (hovered >= 0) showTooltip();
}

// ---- drawing ----

let painted = false;
const { request: requestDraw, moved } = frameScheduler(draw);

function draw(moving: boolean): void {
  if (!scatter || !state?.layout) return;
  const { clientWidth: w, clientHeight: h } = stage;
  if (w === 0 || h === 0) return;
  if (!view) fit();
  const n = paths.length;
  const base = Math.max(2.5, Math.min(9, 80 / Math.sqrt(n)));
  const grow = Math.min(4, Math.max(1, Math.sqrt(view!.k / fitK)));
  scatter.draw(view!, w, h, base * grow, ringColor(), moving);
  // Where the points are, for whoever needs to aim at one (the tests), and how often they were drawn (the bench).
  canvas.dataset.view = JSON.stringify(view);
  canvas.dataset.layerDraws = `${scatter.layerDraws} ${scatter.sliceDraws} ${scatter.maxScaled}`;
  if (!painted) {
    painted = true;
    // The first frame that shows the map: the benchmark reads this mark.
    performance.mark('map-first-paint');
  }
}

function fit(): void {
  if (!state?.layout) return;
  view = fitView(bounds(state.layout.xy), stage.clientWidth, stage.clientHeight);
  fitK = view.k;
  requestDraw();
}

/** The theme's text colour rings the selection; read once per state (a theme change redraws the page's state). */
let ring: [number, number, number] | undefined;
function ringColor(): [number, number, number] {
  if (ring) return ring;
  const m = /(\d+)\D+(\d+)\D+(\d+)/.exec(getComputedStyle(document.body).color);
  return (ring = m ? [Number(m[1]) / 255, Number(m[2]) / 255, Number(m[3]) / 255] : [1, 1, 1]);
}

// ---- pointer ----

const pickAt = (x: number, y: number) => {
  if (!view || !index) return -1;
  const [dx, dy] = toData(view, x, y);
  return index.nearest(dx, dy, 8 / view.k);
};

mapPointer(canvas, lassoPath, {
  view: () => view,
  setView: (v) => {
    view = v;
    moved();
  },
  lassoMode: () => settings.lasso,
  pick: pickAt,
  hover: setHover,
  click,
  lassoed: (poly, add) => {
    if (!index) return;
    performance.mark('map-lasso-start');
    const ids = index.inPolygon(poly);
    setSelection(add ? [...new Set([...selected, ...ids])].sort((a, b) => a - b) : ids, true);
    // The lasso counts until the frame that shows the selection.
    requestAnimationFrame(() => {
      performance.mark('map-lasso-end');
      performance.measure('map-lasso', 'map-lasso-start', 'map-lasso-end');
    });
  },
});

function click(e: PointerEvent): void {
  const id = pickAt(e.offsetX, e.offsetY);
  if (id < 0) return;
  if (e.shiftKey || e.ctrlKey || e.metaKey) {
    const at = selected.indexOf(id);
    setSelection(at >= 0 ? selected.filter((i) => i !== id) : [...selected, id], true);
  } else host.send({ type: 'open', path: paths[id]! });
}

function setHover(id: number, x = 0, y = 0): void {
  tooltip.moveTo(x, y);
  if (id === hovered) return;
  hovered = id;
  scatter?.setHover(id);
  requestDraw();
  if (id < 0) return tooltip.hide();
  const p = paths[id]!;
  if (!thumbs.has(p) && !askedThumb.has(p)) {
    askedThumb.add(p);
    host.send({ type: 'thumbs', paths: [p] });
  }
  showTooltip();
}

function showTooltip(): void {
  if (!state || hovered < 0) return;
  const p = paths[hovered]!;
  tooltip.show(state, hovered, p, thumbs.get(p));
}

editKeys(
  (m) => host.send(m),
  () => {
    if (selected.length === 0) return false;
    setSelection([], true);
    return true;
  },
);

let size = [0, 0];
new ResizeObserver(() => {
  const [w, h] = [stage.clientWidth, stage.clientHeight];
  // The strip opening or the panel resizing: the whole map stays in view, or, zoomed in, its centre stays put.
  if (view && view.k === fitK) fit();
  else if (view) view = pan(view, (w - size[0]!) / 2, (h - size[1]!) / 2);
  size = [w, h];
  requestDraw();
}).observe(stage);

host.send({ type: 'ready' });
