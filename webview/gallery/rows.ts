/** DOM for the gallery's rows: a cluster header, a row of thumbnails, or a top-confidence row. */
import type { GalleryCluster } from '../../src/protocol/galleryMessages.js';
import { h, pct } from '../shared/dom.js';
import type { Layout } from './layout.js';
import type { Gallery, Section } from './sections.js';
import { count } from '../../src/common/plural.js';

export interface RowContext {
  state: Gallery;
  sections: Section[];
  selected: ReadonlySet<string>;
  thumbs: ReadonlyMap<string, string>;
  isNew: ReadonlySet<number>;
  isMoved: ReadonlySet<number>;
  isExcluded: ReadonlySet<number>;
  collapsed: ReadonlySet<number>;
}

export function renderRow(ctx: RowContext, r: number, layout: Layout): HTMLElement {
  const row = layout.rows[r]!;
  const section = ctx.sections[row.section]!;
  if (row.kind === 'header') return header(ctx, section.cluster, section.items.length);
  if (row.kind === 'tiles')
    return h(
      'div',
      { class: 'row tiles', role: 'row' },
      ...[...section.items.subarray(row.start, row.end)].map((i) => tile(ctx, i)),
    );
  const fit = Math.max(1, layout.columns - 2);
  return h(
    'div',
    { class: 'row top', role: 'row', 'data-cluster': section.cluster.id },
    topLabel(section.cluster),
    ...[...section.items.subarray(0, fit)].map((i) => tile(ctx, i)),
  );
}

function stats(c: GalleryCluster, shown: number): string {
  const parts = [
    shown === c.size ? count(c.size, 'image') : `${shown.toLocaleString()} of ${count(c.size, 'image')}`,
  ];
  if (c.size > 0) parts.push(`confidence ${c.meanConfidence.toFixed(2)}`);
  if (c.purity !== undefined) parts.push(`purity ${pct(c.purity)} (${c.majority})`);
  return parts.join(' · ');
}

function icon(name: string, action: string, label: string): HTMLElement {
  return h('vscode-icon', {
    name,
    'action-icon': true,
    'data-action': action,
    title: label,
    'aria-label': label,
  });
}

function header(ctx: RowContext, c: GalleryCluster, shown: number): HTMLElement {
  const collapsed = ctx.collapsed.has(c.id);
  return h(
    'div',
    { class: 'row header', role: 'heading', 'aria-level': 2, 'data-cluster': c.id },
    icon(collapsed ? 'chevron-right' : 'chevron-down', 'collapse', collapsed ? 'Expand' : 'Collapse'),
    h('span', { class: 'name', 'data-action': 'rename', title: 'Click to rename', tabindex: 0 }, c.name),
    h('span', { class: 'stats' }, stats(c, shown)),
    h(
      'span',
      { class: 'actions' },
      icon('check-all', 'select-all', 'Select all in this cluster (those shown)'),
      icon('merge', 'merge', 'Merge into another cluster…'),
    ),
  );
}

function topLabel(c: GalleryCluster): HTMLElement {
  return h(
    'div',
    { class: 'top-label' },
    h('span', { class: 'name', 'data-action': 'rename', title: 'Click to rename', tabindex: 0 }, c.name),
    h('span', { class: 'stats' }, stats(c, c.size)),
  );
}

function tile(ctx: RowContext, i: number): HTMLElement {
  const { items, classes } = ctx.state;
  const path = ctx.state.paths[i]!;
  const label = items.label[i]!;
  const conf = items.confidence[i]!;
  const cls = ['tile'];
  if (ctx.selected.has(path)) cls.push('selected');
  if (ctx.isMoved.has(i)) cls.push('moved');
  const excluded = ctx.isExcluded.has(i);
  if (excluded) cls.push('excluded');
  const uri = ctx.thumbs.get(path);
  const img = h('img', { alt: '', draggable: 'false', 'data-path': path });
  if (uri) img.src = uri;
  const bar = h('span', { class: 'conf' });
  bar.style.width = `${Math.round(conf * 100)}%`;
  const misfit = ctx.state.belong?.[i];
  const title = `${path}\nconfidence ${conf.toFixed(3)}${misfit !== undefined && !Number.isNaN(misfit) ? `\ndoesn’t belong ${misfit.toFixed(2)} (0-1, higher: reviewed first)` : ''}${label >= 0 ? `\nclass ${classes[label]}` : ''}${ctx.isNew.has(i) ? '\nadded after training' : ''}${ctx.isMoved.has(i) ? '\norange dot: you moved it into this cluster (Undo takes it back)' : ''}${excluded ? '\nexcluded from the dataset: later runs and exports leave it out (the file is kept)' : ''}`;
  return h(
    'div',
    {
      class: cls.join(' '),
      role: 'gridcell',
      'data-i': i,
      title,
      tabindex: 0,
      'aria-selected': ctx.selected.has(path),
    },
    img,
    ctx.isNew.has(i) ? h('vscode-badge', { class: 'new' }, 'new') : null,
    excluded
      ? h('vscode-icon', { class: 'excluded-mark', name: 'circle-slash', size: 28, 'aria-label': 'excluded' })
      : null,
    bar,
  );
}
