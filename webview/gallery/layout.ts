/**
 * The virtual gallery's geometry: sections become rows (a header, then rows of tiles; in
 * top-confidence mode one row per cluster), each with a pixel offset, so the visible rows of
 * 70,000 images are found by binary search and only they exist in the DOM.
 */
import type { Section } from './sections.js';

export const HEADER_PX = 34;
export const CELL_PX = 84;
/** A row's padding on each side (gallery.css .row) less the gap the last tile does not need. */
const ROW_INSET_PX = 2 * 8 - 4;

/** Whole tiles that fit a row of `width` px, padding included. */
export function columnsFor(width: number): number {
  return Math.max(1, Math.floor((width - ROW_INSET_PX) / CELL_PX));
}

export type Row =
  | { kind: 'header'; section: number }
  | { kind: 'tiles'; section: number; start: number; end: number }
  /** Top-confidence mode: the cluster's label beside its best images. */
  | { kind: 'top'; section: number };

export interface Layout {
  rows: Row[];
  /** offsets[r] is row r's top; offsets[rows.length] the total height. */
  offsets: Float64Array;
  columns: number;
}

export function layoutRows(
  sections: readonly Section[],
  width: number,
  mode: 'clusters' | 'top',
  collapsed: ReadonlySet<number>,
): Layout {
  const columns = columnsFor(width);
  const rows: Row[] = [];
  sections.forEach((s, i) => {
    if (mode === 'top') return void rows.push({ kind: 'top', section: i });
    rows.push({ kind: 'header', section: i });
    if (collapsed.has(s.cluster.id)) return;
    for (let start = 0; start < s.items.length; start += columns)
      rows.push({ kind: 'tiles', section: i, start, end: Math.min(s.items.length, start + columns) });
  });
  const offsets = new Float64Array(rows.length + 1);
  rows.forEach((r, i) => (offsets[i + 1] = offsets[i]! + (r.kind === 'header' ? HEADER_PX : CELL_PX)));
  return { rows, offsets, columns };
}

/** The first row whose bottom is below `y`. */
export function rowAt(layout: Layout, y: number): number {
  let lo = 0;
  let hi = layout.rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (layout.offsets[mid + 1]! <= y) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
