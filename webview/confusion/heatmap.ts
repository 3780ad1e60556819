/**
 * A count matrix as an SVG heatmap: shade = the cell's share of its row (the cluster), a frame on
 * the matched cell of each row, optional group bands over the columns (super-classes), and a
 * count in each cell when there is room. Cells carry data-row/data-col for the click handler.
 */
import { s } from '../shared/dom.js';

export interface HeatmapSpec {
  rowLabels: string[];
  colLabels: string[];
  /** Column ids in display order; cells are counts[row][id]. */
  colOrder: number[];
  counts: number[][];
  /** Per row, the matched column id (-1: none). */
  match: number[];
  groups: { name: string; start: number; end: number }[];
  width: number;
  ariaLabel: string;
}

const ROW_LABEL_PX = 170;
const MAX_CELL = 34;
const MIN_CELL = 6;

export function heatmap(spec: HeatmapSpec): SVGSVGElement {
  const nCols = spec.colOrder.length;
  const cell = Math.max(MIN_CELL, Math.min(MAX_CELL, Math.floor((spec.width - ROW_LABEL_PX - 16) / Math.max(1, nCols))));
  const colLabelPx = Math.min(140, 8 + 6.5 * Math.max(0, ...spec.colLabels.map((l) => l.length)));
  const bandPx = spec.groups.length > 0 ? 22 : 0;
  const top = bandPx + colLabelPx;
  const width = ROW_LABEL_PX + nCols * cell + 8;
  const height = top + spec.rowLabels.length * cell + 4;
  const svg = s('svg', { class: 'heatmap', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': spec.ariaLabel });

  spec.groups.forEach((g, i) => {
    const x = ROW_LABEL_PX + g.start * cell;
    const w = (g.end - g.start) * cell;
    svg.append(
      s('rect', { class: `band band-${i % 2}`, x, y: 0, width: w - 1, height: bandPx - 4 }, s('title', {}, g.name || '(no super-class)')),
      s('text', { class: 'band-label', x: x + w / 2, y: bandPx - 9, 'text-anchor': 'middle' }, fitText(g.name || '(none)', w)),
    );
    if (g.start > 0) svg.append(s('line', { class: 'group-line', x1: x, x2: x, y1: 0, y2: height }));
  });
  spec.colOrder.forEach((id, pos) => {
    const x = ROW_LABEL_PX + pos * cell + cell / 2;
    svg.append(s('text', { class: 'col-label', transform: `translate(${x + 4},${top - 4}) rotate(-60)` }, spec.colLabels[id] ?? String(id)));
  });
  const showCounts = cell >= 20;
  spec.counts.forEach((row, r) => {
    const y = top + r * cell;
    const total = row.reduce((a, b) => a + b, 0);
    svg.append(s('text', { class: 'row-label', x: ROW_LABEL_PX - 6, y: y + cell / 2 + 4, 'text-anchor': 'end' }, fitText(spec.rowLabels[r]!, ROW_LABEL_PX - 10)));
    spec.colOrder.forEach((id, pos) => {
      const n = row[id] ?? 0;
      const x = ROW_LABEL_PX + pos * cell;
      const matched = spec.match[r] === id;
      const share = total ? n / total : 0;
      const rect = s('rect', { class: matched ? 'cell matched' : 'cell', x, y, width: cell - 1, height: cell - 1, 'fill-opacity': (0.06 + 0.94 * share).toFixed(3), 'data-row': r, 'data-col': id, tabindex: n > 0 ? 0 : -1 });
      rect.append(s('title', {}, `${spec.rowLabels[r]} × ${spec.colLabels[id]}: ${n} of ${total} (${(share * 100).toFixed(1)}%)${matched ? ' · Hungarian match' : ''}`));
      svg.append(rect);
      if (showCounts && n > 0) svg.append(s('text', { class: share > 0.5 ? 'count strong' : 'count', x: x + cell / 2, y: y + cell / 2 + 4, 'text-anchor': 'middle' }, String(n)));
    });
  });
  return svg;
}

/** Shortens a label to about `px` pixels of 13 px text. */
function fitText(text: string, px: number): string {
  const max = Math.max(2, Math.floor(px / 7));
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
