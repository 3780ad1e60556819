/**
 * The runs table: sortable by any column (click its header), the best value of each scored column
 * marked, copied as Markdown or CSV in the order shown.
 */
import type { CompareColumn, CompareRow } from '../../src/protocol/compareMessages.js';
import { h } from '../shared/dom.js';
import { tableText } from './tableText.js';

export interface Sort {
  key: string;
  desc: boolean;
}

/** Rows in the order of `sort`; rows without a value go last either way. */
export function sortRows(
  columns: readonly CompareColumn[],
  rows: readonly CompareRow[],
  sort: Sort | undefined,
): CompareRow[] {
  const i = sort ? columns.findIndex((c) => c.key === sort.key) : -1;
  if (i < 0) return [...rows];
  const numeric = columns[i]!.kind !== 'text';
  const sign = sort!.desc ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = a.cells[i]!;
    const y = b.cells[i]!;
    if (numeric) {
      if (x.value === undefined || y.value === undefined)
        return (x.value === undefined ? 1 : 0) - (y.value === undefined ? 1 : 0);
      return sign * (x.value - y.value);
    }
    return sign * x.text.localeCompare(y.text, undefined, { numeric: true });
  });
}

/**
 * Per column, the rows holding its best value (ties all marked); none for an unscored column, for
 * fewer than two values, or when every row has the same value (nothing to choose between).
 */
export function bestRows(columns: readonly CompareColumn[], rows: readonly CompareRow[]): Set<number>[] {
  return columns.map((c, i) => {
    const values = rows.map((r) => r.cells[i]!.value);
    const known = values.filter((v): v is number => v !== undefined);
    if (!c.better || known.length < 2 || known.every((v) => v === known[0])) return new Set<number>();
    const best = c.better === 'high' ? Math.max(...known) : Math.min(...known);
    return new Set(values.flatMap((v, j) => (v === best ? [j] : [])));
  });
}

export function runsTable(
  columns: readonly CompareColumn[],
  rows: readonly CompareRow[],
  sort: Sort | undefined,
  onSort: (key: string) => void,
  onCopy: (text: string) => void,
): HTMLElement {
  const shown = sortRows(columns, rows, sort);
  const best = bestRows(columns, shown);
  const head = h(
    'tr',
    {},
    ...columns.map((c) => {
      const arrow = sort?.key === c.key ? (sort.desc ? ' ▼' : ' ▲') : '';
      const th = h(
        'th',
        {
          'data-key': c.key,
          class: c.kind === 'text' ? 'sortable' : 'sortable num',
          title: c.doc,
          'aria-sort': sort?.key === c.key ? (sort.desc ? 'descending' : 'ascending') : undefined,
        },
        ...breakable(c.label + arrow),
      );
      th.addEventListener('click', () => onSort(c.key));
      return th;
    }),
  );
  const body = shown.map((r, j) =>
    h(
      'tr',
      { 'data-dirs': r.dirs.join('\n') },
      ...r.cells.map((cell, i) =>
        h(
          'td',
          {
            class: `${columns[i]!.kind === 'text' ? '' : 'num'}${best[i]!.has(j) ? ' best' : ''}`,
            title: best[i]!.has(j) ? 'best of the compared runs' : undefined,
          },
          ...meanOverSd(cell),
        ),
      ),
    ),
  );
  const copy = (format: 'markdown' | 'csv') =>
    onCopy(
      tableText(
        columns.map((c) => c.label),
        shown.map((r) => r.cells.map((c) => c.text)),
        format,
      ),
    );
  const md = h('vscode-button', { secondary: true, 'data-copy': 'markdown' }, 'Copy as Markdown');
  const csv = h('vscode-button', { secondary: true, 'data-copy': 'csv' }, 'Copy as CSV');
  md.addEventListener('click', () => copy('markdown'));
  csv.addEventListener('click', () => copy('csv'));
  return h(
    'div',
    { class: 'runs-table' },
    h('div', { class: 'table-scroll' }, h('table', {}, h('thead', {}, head), h('tbody', {}, ...body))),
    h('div', { class: 'actions' }, md, csv),
  );
}

/** A header may wrap inside a setting's camelCase name too (learning|Rate), so narrow columns stay narrow. */
function breakable(label: string): (string | HTMLElement)[] {
  return label.split(/(?<=[a-z])(?=[A-Z])/).flatMap((part, i) => (i === 0 ? [part] : [h('wbr'), part]));
}

/** A folded cell's "mean ± sd" with the spread on a line of its own, so the column stays narrow. */
function meanOverSd(cell: CompareRow['cells'][number]): (string | HTMLElement)[] {
  const at = cell.sd === undefined ? -1 : cell.text.indexOf(' ± ');
  return at < 0 ? [cell.text] : [cell.text.slice(0, at), h('span', { class: 'sd' }, cell.text.slice(at))];
}
