/**
 * Agreement between every pair of runs as a square SVG grid: shade = the value (NMI or ARI, both
 * 1 for identical clusterings; ARI below 0 drawn empty), the number in each cell.
 */
import { s } from '../shared/dom.js';

const LABEL_PX = 170;
const CELL = 46;

export function agreementGrid(names: readonly string[], values: readonly (readonly (number | null)[])[], measure: string): SVGSVGElement {
  const n = names.length;
  const top = Math.min(140, 8 + 6.5 * Math.max(0, ...names.map((x) => x.length)));
  const width = LABEL_PX + n * CELL + 8;
  const height = top + n * CELL + 4;
  const svg = s('svg', { class: 'heatmap agreement', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `${measure} between runs` });
  names.forEach((name, j) => svg.append(s('text', { class: 'col-label', transform: `translate(${LABEL_PX + j * CELL + CELL / 2 + 4},${top - 4}) rotate(-60)` }, name)));
  values.forEach((row, i) => {
    const y = top + i * CELL;
    svg.append(s('text', { class: 'row-label', x: LABEL_PX - 6, y: y + CELL / 2 + 4, 'text-anchor': 'end' }, names[i]!));
    row.forEach((v, j) => {
      const x = LABEL_PX + j * CELL;
      const shade = v === null ? 0 : Math.max(0, Math.min(1, v));
      const rect = s('rect', { class: 'cell', x, y, width: CELL - 1, height: CELL - 1, 'fill-opacity': (0.06 + 0.94 * shade).toFixed(3), 'data-row': i, 'data-col': j });
      rect.append(s('title', {}, `${names[i]} × ${names[j]}: ${measure} ${v === null ? 'n/a (no shared images)' : v.toFixed(3)}`));
      svg.append(rect, s('text', { class: shade > 0.5 ? 'count strong' : 'count', x: x + CELL / 2, y: y + CELL / 2 + 4, 'text-anchor': 'middle' }, v === null ? '–' : v.toFixed(2)));
    });
  });
  return svg;
}
