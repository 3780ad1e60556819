/**
 * Agreement between every pair of runs as a square SVG grid: shade = the value (NMI or ARI, both
 * 1 for identical clusterings; ARI below 0 drawn empty), the number in each cell.
 */
import { s, svgFigure } from '../shared/dom.js';

const CELL = 46;
/** Roughly the width of a label's character at the page's font size. */
const CHAR_PX = 6.5;

export function agreementGrid(
  names: readonly string[],
  values: readonly (readonly (number | null)[])[],
  measure: string,
): SVGSVGElement {
  const n = names.length;
  const longest = CHAR_PX * Math.max(0, ...names.map((x) => x.length));
  // Room for the whole run names (they end in what tells runs apart): rows on the left, columns
  // rotated 60° up and to the right, the last one reaching past the grid.
  const labelPx = Math.min(360, 12 + longest);
  const top = Math.min(260, 8 + longest * 0.87);
  const width = labelPx + n * CELL + 8 + Math.min(130, longest * 0.5);
  const height = top + n * CELL + 4;
  const svg = svgFigure('heatmap agreement', width, height, `${measure} between runs`);
  names.forEach((name, j) =>
    svg.append(
      s(
        'text',
        {
          class: 'col-label',
          transform: `translate(${labelPx + j * CELL + CELL / 2 + 4},${top - 4}) rotate(-60)`,
        },
        name,
      ),
    ),
  );
  values.forEach((row, i) => {
    const y = top + i * CELL;
    svg.append(
      s('text', { class: 'row-label', x: labelPx - 6, y: y + CELL / 2 + 4, 'text-anchor': 'end' }, names[i]!),
    );
    row.forEach((v, j) => {
      const x = labelPx + j * CELL;
      const shade = v === null ? 0 : Math.max(0, Math.min(1, v));
      const rect = s('rect', {
        class: 'cell',
        x,
        y,
        width: CELL - 1,
        height: CELL - 1,
        'fill-opacity': (0.06 + 0.94 * shade).toFixed(3),
        'data-row': i,
        'data-col': j,
      });
      rect.append(
        s(
          'title',
          {},
          `${names[i]} × ${names[j]}: ${measure} ${v === null ? 'n/a (no shared images)' : v.toFixed(3)}`,
        ),
      );
      svg.append(
        rect,
        s(
          'text',
          {
            class: shade > 0.5 ? 'count strong' : 'count',
            x: x + CELL / 2,
            y: y + CELL / 2 + 4,
            'text-anchor': 'middle',
          },
          v === null ? '–' : v.toFixed(2),
        ),
      );
    });
  });
  return svg;
}
