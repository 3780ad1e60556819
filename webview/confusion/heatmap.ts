/**
 * A count matrix as an SVG heatmap: shade = the cell's share of its row (the cluster), a frame on
 * the matched cell of each row, optional group bands over the columns (super-classes), and a
 * count in each cell when there is room. Cells carry data-row/data-col for the click handler.
 */
import { s, svgFigure } from '../shared/dom.js';

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
/** Cells may grow to this so a narrow super-class band can show its whole name. */
const MAX_BAND_CELL = 64;
/** Approximate advance of a character of the 12 px labels, and of the 11 px band labels. */
const LABEL_CHAR_PX = 7;
const BAND_CHAR_PX = 6.5;
const COS60 = 0.5;
const SIN60 = 0.866;

export function heatmap(spec: HeatmapSpec): SVGSVGElement {
  const nCols = spec.colOrder.length;
  const fitted = Math.max(
    MIN_CELL,
    Math.min(MAX_CELL, Math.floor((spec.width - ROW_LABEL_PX - 16) / Math.max(1, nCols))),
  );
  const bandNeeds = Math.max(
    0,
    ...spec.groups.map((g) =>
      Math.ceil((BAND_CHAR_PX * (g.name || '(none)').length + 10) / Math.max(1, g.end - g.start)),
    ),
  );
  const cell = Math.max(fitted, Math.min(MAX_BAND_CELL, bandNeeds));
  // Column labels are rotated 60° up and to the right: their height sets the top margin, and the
  // last ones reach past the grid's right edge, so the drawing is widened to hold them.
  const colText = (id: number) => fitText(spec.colLabels[id] ?? String(id), 140 / SIN60, LABEL_CHAR_PX);
  const longest = Math.max(0, ...spec.colOrder.map((id) => colText(id).length)) * LABEL_CHAR_PX;
  const colLabelPx = Math.ceil(8 + longest * SIN60);
  const bandPx = spec.groups.length > 0 ? 22 : 0;
  const top = bandPx + colLabelPx;
  const overhang = Math.max(
    0,
    ...spec.colOrder.map(
      (id, pos) => (pos + 0.5) * cell + 4 + colText(id).length * LABEL_CHAR_PX * COS60 - nCols * cell,
    ),
  );
  const width = Math.ceil(ROW_LABEL_PX + nCols * cell + 8 + overhang);
  const height = top + spec.rowLabels.length * cell + 4;
  const svg = svgFigure('heatmap', width, height, spec.ariaLabel);

  spec.groups.forEach((g, i) => {
    const x = ROW_LABEL_PX + g.start * cell;
    const w = (g.end - g.start) * cell;
    svg.append(
      s(
        'rect',
        { class: `band band-${i % 2}`, x, y: 0, width: w - 1, height: bandPx - 4 },
        s('title', {}, g.name || '(no super-class)'),
      ),
      s(
        'text',
        { class: 'band-label', x: x + w / 2, y: bandPx - 9, 'text-anchor': 'middle' },
        fitText(g.name || '(none)', w - 6, BAND_CHAR_PX),
      ),
    );
    if (g.start > 0) svg.append(s('line', { class: 'group-line', x1: x, x2: x, y1: 0, y2: height }));
  });
  spec.colOrder.forEach((id, pos) => {
    const x = ROW_LABEL_PX + pos * cell + cell / 2;
    svg.append(
      s('text', { class: 'col-label', transform: `translate(${x + 4},${top - 4}) rotate(-60)` }, colText(id)),
    );
  });
  const showCounts = cell >= 20;
  spec.counts.forEach((row, r) => {
    const y = top + r * cell;
    const total = row.reduce((a, b) => a + b, 0);
    svg.append(
      s(
        'text',
        { class: 'row-label', x: ROW_LABEL_PX - 6, y: y + cell / 2 + 4, 'text-anchor': 'end' },
        fitText(spec.rowLabels[r]!, ROW_LABEL_PX - 10, LABEL_CHAR_PX),
      ),
    );
    spec.colOrder.forEach((id, pos) => {
      const n = row[id] ?? 0;
      const x = ROW_LABEL_PX + pos * cell;
      const matched = spec.match[r] === id;
      const share = total ? n / total : 0;
      const rect = s('rect', {
        class: matched ? 'cell matched' : 'cell',
        x,
        y,
        width: cell - 1,
        height: cell - 1,
        'fill-opacity': (0.06 + 0.94 * share).toFixed(3),
        'data-row': r,
        'data-col': id,
        tabindex: n > 0 ? 0 : -1,
      });
      rect.append(
        s(
          'title',
          {},
          `${spec.rowLabels[r]} × ${spec.colLabels[id]}: ${n} of ${total} (${(share * 100).toFixed(1)}%)${matched ? ' · Hungarian match' : ''}`,
        ),
      );
      svg.append(rect);
      if (showCounts && n > 0)
        svg.append(
          s(
            'text',
            {
              class: share > 0.5 ? 'count strong' : 'count',
              x: x + cell / 2,
              y: y + cell / 2 + 4,
              'text-anchor': 'middle',
            },
            String(n),
          ),
        );
    });
  });
  return svg;
}

/** Shortens a label to about `px` pixels of text whose characters advance about `charPx`. */
function fitText(text: string, px: number, charPx: number): string {
  const max = Math.max(2, Math.floor(px / charPx));
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
