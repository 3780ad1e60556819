/**
 * One hand-drawn SVG line chart: a group of series over the run's metrics rows, with y gridlines,
 * epoch ticks, dashed lines where the phase changes (SCAN's stages), a point per value with its
 * number as tooltip, and a legend with each series' human name and last value — or, while the
 * pointer is over the chart, every series' value at the epoch under it.
 */
import type { ChartSeries } from '../../src/protocol/chartsMessages.js';
import { h, s } from '../shared/dom.js';

export interface ChartSpec {
  title: string;
  series: ChartSeries[];
  epochs: number[];
  phases: string[];
  width: number;
  /** Fixed y range (scores live in 0..1); otherwise the data's range. */
  yRange?: [number, number];
  /** Values are an index (SCAN's best head): drawn as steps, with whole-number ticks. */
  steps?: boolean;
  /** What `epochs` count (default "epoch"): a chart over another x, e.g. the cluster count. */
  xLabel?: string;
}

const HEIGHT = 220;
const PAD = { left: 52, right: 12, top: 14, bottom: 30 };
/** How many theme chart colours there are (series-0 .. series-5 in charts.css). */
const COLOURS = 6;
/** Past the theme's colours, hues a golden angle apart keep every series distinct. */
function extraColour(k: number): string {
  return `hsl(${Math.round(((k - COLOURS) * 137.5 + 20) % 360)}, 65%, 62%)`;
}
/** Approximate advance of a character of the 11 px chart text. */
const CHAR_PX = 6.5;

export function lineChart(spec: ChartSpec): HTMLElement {
  const n = spec.epochs.length;
  const xLabel = spec.xLabel ?? 'epoch';
  const w = spec.width;
  const plotW = w - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const values = spec.series.flatMap((x) => x.values.filter((v): v is number => v !== null));
  let [lo, hi] = spec.yRange ?? [Math.min(...values), Math.max(...values)];
  if (!(hi > lo)) [lo, hi] = [lo - 1, hi + 1];
  if (spec.steps) [lo, hi] = [Math.floor(lo), Math.max(Math.ceil(hi), Math.floor(lo) + 1)];
  const xOf = (i: number) => PAD.left + (n <= 1 ? plotW / 2 : (i / (n - 1)) * plotW);
  const yOf = (v: number) => PAD.top + (1 - (v - lo) / (hi - lo)) * plotH;

  const svg = s('svg', {
    class: 'chart',
    width: w,
    height: HEIGHT,
    viewBox: `0 0 ${w} ${HEIGHT}`,
    role: 'img',
    'aria-label': spec.title,
  });
  for (const t of ticks(lo, hi, 5, spec.steps ? 1 : 0)) {
    svg.append(
      s('line', { class: 'grid', x1: PAD.left, x2: w - PAD.right, y1: yOf(t), y2: yOf(t) }),
      s(
        'text',
        { class: 'tick tick-y', x: PAD.left - 6, y: yOf(t) + 4, 'text-anchor': 'end' },
        formatTick(t),
      ),
    );
  }
  const every = Math.max(1, Math.ceil(n / Math.max(1, Math.floor(plotW / 40))));
  for (let i = 0; i < n; i += every)
    svg.append(
      s(
        'text',
        { class: 'tick', x: xOf(i), y: HEIGHT - PAD.bottom + 16, 'text-anchor': 'middle' },
        String(spec.epochs[i]),
      ),
    );
  svg.append(
    s(
      'text',
      { class: 'axis-label', x: PAD.left + plotW / 2, y: HEIGHT - 2, 'text-anchor': 'middle' },
      xLabel,
    ),
  );
  for (let i = 1; i < n; i++) {
    if (spec.phases[i] === spec.phases[i - 1]) continue;
    const x = (xOf(i - 1) + xOf(i)) / 2;
    const label = spec.phases[i]!;
    // Near the right edge the stage's name goes left of its line, so it is not cut off.
    const fits = x + 4 + label.length * CHAR_PX <= w - PAD.right;
    svg.append(
      s('line', { class: 'phase', x1: x, x2: x, y1: PAD.top, y2: HEIGHT - PAD.bottom }),
      s(
        'text',
        {
          class: 'phase-label',
          x: fits ? x + 4 : x - 4,
          y: PAD.top + 10,
          'text-anchor': fits ? 'start' : 'end',
        },
        label,
      ),
    );
  }
  const paint = (el: Element, k: number): Element => {
    if (k < COLOURS) el.classList.add(`series-${k}`);
    else
      (el as SVGElement | HTMLElement).style.cssText =
        `stroke: ${extraColour(k)}; fill: ${extraColour(k)}; background: ${extraColour(k)}`;
    return el;
  };
  spec.series.forEach((ser, k) => {
    const name = ser.label;
    // Gaps (rows without the value) break the line rather than bridging it; an index steps.
    let d = '';
    let prev: number | undefined;
    ser.values.forEach((v, i) => {
      if (v === null) return void (prev = undefined);
      const [x, y] = [xOf(i).toFixed(1), yOf(v).toFixed(1)];
      d += prev === undefined ? `M${x},${y}` : spec.steps ? `H${x}V${y}` : `L${x},${y}`;
      prev = v;
    });
    const line = paint(s('path', { class: 'line', d }), k);
    line.setAttribute('fill', 'none');
    svg.append(line);
    ser.values.forEach((v, i) => {
      if (v === null) return;
      svg.append(
        paint(
          s(
            'circle',
            { class: 'point', cx: xOf(i), cy: yOf(v), r: n > 60 ? 1.5 : 3 },
            s(
              'title',
              {},
              `${name} = ${formatValue(v)} (${xLabel} ${spec.epochs[i]}${spec.phases[i] ? `, ${spec.phases[i]}` : ''})`,
            ),
          ),
          k,
        ),
      );
    });
  });
  const at = h('span', { class: 'legend-at' });
  const items = spec.series.map((ser, k) => {
    const value = h('span', { class: 'legend-value' });
    return {
      ser,
      value,
      el: h(
        'span',
        { class: 'legend-item' },
        paint(h('span', { class: 'swatch' }), k),
        `${ser.label} `,
        value,
      ),
    };
  });
  /** The legend's values at row i, or each series' last value when undefined. */
  const readAt = (i: number | undefined) => {
    at.textContent =
      i === undefined ? '' : `${xLabel} ${spec.epochs[i]}${spec.phases[i] ? ` (${spec.phases[i]})` : ''} · `;
    for (const it of items) {
      const v = i === undefined ? [...it.ser.values].reverse().find((x) => x !== null) : it.ser.values[i];
      it.value.textContent =
        v === undefined || v === null ? '–' : spec.steps ? String(Math.round(v)) : formatValue(v);
    }
  };
  readAt(undefined);
  const guide = s('line', {
    class: 'hover-guide',
    y1: PAD.top,
    y2: HEIGHT - PAD.bottom,
    visibility: 'hidden',
  });
  svg.append(guide);
  svg.addEventListener('pointermove', (e) => {
    const box = svg.getBoundingClientRect();
    const px = ((e.clientX - box.left) / box.width) * w;
    const i = n <= 1 ? 0 : Math.max(0, Math.min(n - 1, Math.round(((px - PAD.left) / plotW) * (n - 1))));
    if (n === 0) return;
    guide.setAttribute('x1', String(xOf(i)));
    guide.setAttribute('x2', String(xOf(i)));
    guide.setAttribute('visibility', 'visible');
    readAt(i);
  });
  svg.addEventListener('pointerleave', () => {
    guide.setAttribute('visibility', 'hidden');
    readAt(undefined);
  });
  const legend = h('div', { class: 'legend' }, at, ...items.map((it) => it.el));
  // As wide as the plot: a long legend wraps instead of widening the chart's box.
  legend.style.maxWidth = `${w}px`;
  return h(
    'figure',
    { class: 'chart-box', 'data-group': spec.title },
    h('figcaption', {}, spec.title),
    svg,
    legend,
  );
}

/** About `count` round tick values covering lo..hi, at least `minStep` apart. */
function ticks(lo: number, hi: number, count: number, minStep = 0): number[] {
  const step0 = Math.max((hi - lo) / count, minStep);
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0)!;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Number(t.toFixed(12)));
  return out;
}

function formatTick(v: number): string {
  return Math.abs(v) >= 1000 ? `${(v / 1000).toFixed(1)}k` : String(Number(v.toPrecision(3)));
}

function formatValue(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(4);
}
