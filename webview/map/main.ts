/**
 * The embedding map: every image a point on the run's 2-D layout, coloured by cluster, class,
 * confidence or "new". Drag pans, the wheel zooms, hovering shows the image, a click opens it;
 * Shift-drag (or the lasso tool) selects a region, Shift-click adds or removes a point. The
 * selection is the run's, shared with the gallery, and edits go to the host (labels.json).
 */
import {
  hostToMap,
  joinPaths,
  type MapState,
  type MapToHost,
  type HostToMap,
} from '../../src/protocol/webview.js';
import '../shared/elements.js';
import { h, s as svg } from '../shared/dom.js';
import { connect, saveState, savedState } from '../shared/host.js';
import { banner, runPicker } from '../shared/runPicker.js';
import { bounds, fitView, pan, toData, zoomAt, type View } from './camera.js';
import { colorize, css, modesOf, type ColorMode, type LegendEntry } from './colors.js';
import { frameScheduler } from './frames.js';
import { PointIndex } from './pointIndex.js';
import { Scatter } from './scatter.js';
import { selectionStrip } from './strip.js';

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
let legend: LegendEntry[] = [];
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
const tooltip = h('div', { class: 'tooltip', hidden: true, role: 'tooltip' });
const legendEl = h('div', {
  class: 'legend',
  role: 'list',
  'aria-label': 'Legend: click an entry to select its images',
});
const stage = h('div', { class: 'stage' }, canvas, overlay, legendEl, tooltip);
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
  legend = c.legend;
  scatter?.setColors(c.rgba);
  drawLegend();
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

function drawLegend(): void {
  // Without points there is nothing for the legend to explain or select.
  legendEl.hidden = !state?.layout;
  const categorical = settings.mode !== 'confidence';
  legendEl.classList.toggle('gradient', !categorical);
  legendEl.classList.toggle('folded', settings.legendFolded);
  // Foldable: over a corner of the map it may cover points.
  const fold = h(
    'button',
    {
      class: 'legend-fold',
      'aria-expanded': String(!settings.legendFolded),
      title: settings.legendFolded ? 'Show the legend' : 'Fold the legend away',
    },
    h('span', { class: `codicon codicon-chevron-${settings.legendFolded ? 'left' : 'right'}` }),
    'Legend',
  );
  legendEl.replaceChildren(
    fold,
    ...legend.map((e, k) => {
      // Set through the CSSOM: the CSP refuses style attributes.
      const swatch = h('span', { class: 'swatch' });
      swatch.style.background = css(e.color);
      const title = categorical ? `Select the ${e.ids.length} images of ${e.label}` : '';
      return h(
        categorical ? 'button' : 'div',
        { class: 'entry', 'data-k': k, role: 'listitem', title },
        swatch,
        categorical ? `${e.label} (${e.ids.length})` : e.label,
      );
    }),
  );
}

legendEl.addEventListener('click', (e) => {
  if ((e.target as Element).closest('.legend-fold')) {
    settings.legendFolded = !settings.legendFolded;
    saveState(settings);
    return drawLegend();
  }
  const k = (e.target as Element).closest<HTMLElement>('[data-k]')?.dataset.k;
  const entry = k === undefined ? undefined : legend[Number(k)];
  if (entry && entry.ids.length > 0) setSelection(entry.ids, true);
});

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

/** A press on the map: a click, a pan or a lasso, told apart when it moves or ends. */
let drag: { x: number; y: number; view: View; lasso: boolean; moved: boolean; poly: number[] } | undefined;

const pickAt = (x: number, y: number) => {
  if (!view || !index) return -1;
  const [dx, dy] = toData(view, x, y);
  return index.nearest(dx, dy, 8 / view.k);
};

canvas.addEventListener('pointerdown', (e) => {
  if (e.button !== 0 || !view) return;
  canvas.setPointerCapture(e.pointerId);
  drag = {
    x: e.offsetX,
    y: e.offsetY,
    view,
    lasso: settings.lasso || e.shiftKey,
    moved: false,
    poly: [...toData(view, e.offsetX, e.offsetY)],
  };
  setHover(-1);
});

canvas.addEventListener('pointermove', (e) => {
  if (!drag) {
    setHover(pickAt(e.offsetX, e.offsetY), e.offsetX, e.offsetY);
    return;
  }
  if (!drag.moved && Math.hypot(e.offsetX - drag.x, e.offsetY - drag.y) < 4) return;
  drag.moved = true;
  if (drag.lasso) {
    drag.poly.push(...toData(drag.view, e.offsetX, e.offsetY));
    drawLasso(drag.poly, drag.view);
  } else {
    view = pan(drag.view, e.offsetX - drag.x, e.offsetY - drag.y);
    moved();
  }
});

canvas.addEventListener('pointerup', (e) => {
  const d = drag;
  drag = undefined;
  if (!d) return;
  if (!d.moved) return click(e);
  if (!d.lasso || !index) return;
  performance.mark('map-lasso-start');
  const ids = index.inPolygon(d.poly);
  const add = e.ctrlKey || e.metaKey;
  setSelection(add ? [...new Set([...selected, ...ids])].sort((a, b) => a - b) : ids, true);
  lassoPath.setAttribute('d', '');
  // The lasso counts until the frame that shows the selection.
  requestAnimationFrame(() => {
    performance.mark('map-lasso-end');
    performance.measure('map-lasso', 'map-lasso-start', 'map-lasso-end');
  });
});

function click(e: PointerEvent): void {
  const id = pickAt(e.offsetX, e.offsetY);
  if (id < 0) return;
  if (e.shiftKey || e.ctrlKey || e.metaKey) {
    const at = selected.indexOf(id);
    setSelection(at >= 0 ? selected.filter((i) => i !== id) : [...selected, id], true);
  } else host.send({ type: 'open', path: paths[id]! });
}

function drawLasso(poly: number[], v: View): void {
  let d = '';
  for (let j = 0; j < poly.length; j += 2)
    d += `${j ? 'L' : 'M'}${(v.ox + poly[j]! * v.k).toFixed(1)},${(v.oy - poly[j + 1]! * v.k).toFixed(1)}`;
  lassoPath.setAttribute('d', `${d}Z`);
}

canvas.addEventListener(
  'wheel',
  (e) => {
    if (!view) return;
    e.preventDefault();
    view = zoomAt(view, e.offsetX, e.offsetY, Math.exp(-e.deltaY * 0.0015));
    setHover(-1);
    moved();
  },
  { passive: false },
);

canvas.addEventListener('pointerleave', () => drag || setHover(-1));

let tipAt: [number, number] = [0, 0];
function setHover(id: number, x = 0, y = 0): void {
  tipAt = [x, y];
  if (id === hovered) {
    if (id >= 0) placeTooltip();
    return;
  }
  hovered = id;
  scatter?.setHover(id);
  requestDraw();
  if (id < 0) {
    tooltip.hidden = true;
    return;
  }
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
  const c = state.items.cluster[hovered]!;
  const name = state.clusters.find((x) => x.id === c)?.name ?? `Cluster ${c}`;
  const uri = thumbs.get(p);
  const label = state.items.label[hovered]!;
  tooltip.replaceChildren(
    uri ? h('img', { src: uri, alt: '' }) : h('div', { class: 'placeholder' }),
    h('div', { class: 'file' }, p.slice(p.lastIndexOf('/') + 1)),
    h('div', { class: 'cluster' }, name),
    h(
      'div',
      { class: 'muted' },
      `confidence ${state.items.confidence[hovered]!.toFixed(2)}${label >= 0 ? ` · ${state.classes[label]}` : ''}`,
    ),
  );
  tooltip.hidden = false;
  placeTooltip();
}

function placeTooltip(): void {
  const [x, y] = tipAt;
  const flipX = x + 180 > stage.clientWidth;
  const flipY = y + 170 > stage.clientHeight;
  tooltip.style.left = `${flipX ? x - 172 : x + 14}px`;
  tooltip.style.top = `${flipY ? Math.max(0, y - 160) : y + 14}px`;
}

document.addEventListener('keydown', (e) => {
  if (e.composedPath().some((t) => t instanceof HTMLElement && t.tagName === 'VSCODE-TEXTFIELD')) return;
  const mod = e.ctrlKey || e.metaKey;
  if (mod && e.key.toLowerCase() === 'z') host.send({ type: e.shiftKey ? 'redo' : 'undo' });
  else if (mod && e.key.toLowerCase() === 'y') host.send({ type: 'redo' });
  else if (e.key === 'Escape' && selected.length > 0) setSelection([], true);
  else return;
  e.preventDefault();
});

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
