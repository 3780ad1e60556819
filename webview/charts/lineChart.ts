/**
 * One hand-drawn SVG line chart: a group of series over the run's metrics rows, with y gridlines,
 * epoch ticks, dashed lines where the phase changes (SCAN's stages), a point per value with its
 * number as tooltip, and a legend with each series' last value.
 */
import type { ChartSeries } from '../../src/protocol/webview.js';
import { h, s } from '../shared/dom.js';

export interface ChartSpec {
  title: string;
  series: ChartSeries[];
  epochs: number[];
  phases: string[];
  width: number;
  /** Fixed y range (scores live in 0..1); otherwise the data's range. */
  yRange?: [number, number];
  /** What `epochs` count (default "epoch"): a chart over another x, e.g. the cluster count. */
  xLabel?: string;
}

const HEIGHT = 220;
const PAD = { left: 52, right: 12, top: 14, bottom: 30 };
/** How many theme chart colours there are (series-0 .. series-5 in charts.css). */
const COLOURS = 6;

export function lineChart(spec: ChartSpec): HTMLElement {
  const n = spec.epochs.length;
  const xLabel = spec.xLabel ?? 'epoch';
  const w = spec.width;
  const plotW = w - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const values = spec.series.flatMap((x) => x.values.filter((v): v is number => v !== null));
  let [lo, hi] = spec.yRange ?? [Math.min(...values), Math.max(...values)];
  if (!(hi > lo)) [lo, hi] = [lo - 1, hi + 1];
  const xOf = (i: number) => PAD.left + (n <= 1 ? plotW / 2 : (i / (n - 1)) * plotW);
  const yOf = (v: number) => PAD.top + (1 - (v - lo) / (hi - lo)) * plotH;

  const svg = s('svg', { class: 'chart', width: w, height: HEIGHT, viewBox: `0 0 ${w} ${HEIGHT}`, role: 'img', 'aria-label': spec.title });
  for (const t of ticks(lo, hi, 5)) {
    svg.append(s('line', { class: 'grid', x1: PAD.left, x2: w - PAD.right, y1: yOf(t), y2: yOf(t) }), s('text', { class: 'tick', x: PAD.left - 6, y: yOf(t) + 4, 'text-anchor': 'end' }, formatTick(t)));
  }
  const every = Math.max(1, Math.ceil(n / Math.max(1, Math.floor(plotW / 40))));
  for (let i = 0; i < n; i += every) svg.append(s('text', { class: 'tick', x: xOf(i), y: HEIGHT - PAD.bottom + 16, 'text-anchor': 'middle' }, String(spec.epochs[i])));
  svg.append(s('text', { class: 'axis-label', x: PAD.left + plotW / 2, y: HEIGHT - 2, 'text-anchor': 'middle' }, xLabel));
  for (let i = 1; i < n; i++) {
    if (spec.phases[i] === spec.phases[i - 1]) continue;
    const x = (xOf(i - 1) + xOf(i)) / 2;
    svg.append(s('line', { class: 'phase', x1: x, x2: x, y1: PAD.top, y2: HEIGHT - PAD.bottom }), s('text', { class: 'phase-label', x: x + 4, y: PAD.top + 10 }, spec.phases[i]!));
  }
  spec.series.forEach((ser, k) => {
    const cls = `series-${k % COLOURS}`;
    // Gaps (rows without the value) break the line rather than bridging it.
    let d = '';
    let pen = false;
    ser.values.forEach((v, i) => {
      if (v === null) return void (pen = false);
      d += `${pen ? 'L' : 'M'}${xOf(i).toFixed(1)},${yOf(v).toFixed(1)}`;
      pen = true;
    });
    svg.append(s('path', { class: `line ${cls}`, d }));
    ser.values.forEach((v, i) => {
      if (v === null) return;
      svg.append(s('circle', { class: `point ${cls}`, cx: xOf(i), cy: yOf(v), r: n > 60 ? 1.5 : 3 }, s('title', {}, `${ser.key} = ${formatValue(v)} (${xLabel} ${spec.epochs[i]}${spec.phases[i] ? `, ${spec.phases[i]}` : ''})`)));
    });
  });
  const legend = h(
    'div',
    { class: 'legend' },
    ...spec.series.map((ser, k) => {
      const last = [...ser.values].reverse().find((v) => v !== null);
      return h('span', { class: 'legend-item' }, h('span', { class: `swatch series-${k % COLOURS}` }), `${ser.key}${last !== undefined && last !== null ? ` ${formatValue(last)}` : ''}`);
    }),
  );
  return h('figure', { class: 'chart-box', 'data-group': spec.title }, h('figcaption', {}, spec.title), svg, legend);
}

/** About `count` round tick values covering lo..hi. */
function ticks(lo: number, hi: number, count: number): number[] {
  const step0 = (hi - lo) / count;
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
