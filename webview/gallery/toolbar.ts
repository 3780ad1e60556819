/** The gallery's controls: mode, sort, class filter, search, selection actions, undo/redo, export. */
import type { GalleryFilter, GalleryState, GalleryToHost } from '../../src/protocol/galleryMessages.js';
import { h } from '../shared/dom.js';
import { showMenu } from '../shared/menu.js';
import type { ViewSettings } from './sections.js';
import { count } from '../../src/common/plural.js';

export interface ToolbarOptions {
  settings: ViewSettings;
  onSettings(): void;
  onClearCell(): void;
  onMoveSelection(x: number, y: number): void;
  onClearSelection(): void;
  /** Excludes the selection from the dataset (false: includes it again). */
  onExcludeSelection(exclude: boolean): void;
  /** The selection's paths: Export and Materialize can act on just those. */
  selectedPaths(): string[];
  send(message: GalleryToHost): void;
}

function select(
  label: string,
  options: [string, string][],
  value: string,
  onChange: (v: string) => void,
): HTMLElementTagNameMap['vscode-single-select'] {
  const el = h('vscode-single-select', { 'aria-label': label, title: label });
  el.append(...options.map(([v, text]) => h('vscode-option', { value: v, selected: v === value }, text)));
  el.addEventListener('change', () => onChange(el.value));
  return el;
}

function button(icon: string, label: string, onClick: (e: MouseEvent) => void): HTMLElement {
  const el = h('vscode-toolbar-button', { icon, label, title: label, 'data-action': icon });
  el.addEventListener('click', (e) => {
    if (!el.hasAttribute('disabled')) onClick(e);
  });
  return el;
}

export function toolbar(o: ToolbarOptions): {
  el: HTMLElement;
  showSettings(): void;
  update(
    state: GalleryState,
    cell: GalleryFilter | undefined,
    selected: number,
    shown: number,
    selectedExcluded: number,
  ): void;
} {
  const s = o.settings;
  const mode = select(
    'View',
    [
      ['clusters', 'All images by cluster'],
      ['top', 'Top-confidence per cluster'],
    ],
    s.mode,
    (v) => {
      s.mode = v as ViewSettings['mode'];
      o.onSettings();
    },
  );
  const sort = select(
    'Sort',
    [
      ['confidence-desc', 'Most confident first'],
      ['confidence-asc', 'Least confident first'],
      ['belong', 'Doesn’t belong first'],
      ['path', 'By file name'],
    ],
    s.sort,
    (v) => {
      s.sort = v as ViewSettings['sort'];
      o.onSettings();
    },
  );
  const classFilter = h('vscode-single-select', {
    'aria-label': 'Class filter',
    title: 'Show only images of a class or super-class',
    class: 'class-filter',
  });
  classFilter.addEventListener('change', () => {
    s.classFilter = classFilter.value;
    o.onSettings();
  });
  const search = h('vscode-textfield', {
    placeholder: 'Search file names',
    'aria-label': 'Search file names',
    value: s.search,
    class: 'search',
  });
  search.append(h('vscode-icon', { slot: 'content-before', name: 'search' }));
  let searchTimer = 0;
  search.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = window.setTimeout(() => {
      s.search = search.value;
      o.onSettings();
    }, 120);
  });

  const chip = h('span', { class: 'chip', hidden: true });
  // Always shown, so the count is there before and after every click.
  const selection = h(
    'span',
    { class: 'selection none', role: 'status', 'aria-live': 'polite' },
    'None selected',
  );
  const undo = button('discard', 'Undo (Ctrl+Z)', () => o.send({ type: 'undo' }));
  const redo = button('redo', 'Redo (Ctrl+Shift+Z)', () => o.send({ type: 'redo' }));
  // With a selection, both offer the selection first: that is what the user is looking at.
  const exportBtn = button('export', 'Export clusters as CSV or JSON…', (e) => {
    const paths = o.selectedPaths();
    const sel =
      paths.length > 0
        ? [
            { label: `Export the ${paths.length} Selected as CSV…`, value: 'sel:csv' },
            { label: `Export the ${paths.length} Selected as JSON…`, value: 'sel:json' },
            '-' as const,
          ]
        : [];
    showMenu(
      e.clientX,
      e.clientY,
      [
        ...sel,
        { label: 'Export All as CSV…', value: 'csv' },
        { label: 'Export All as JSON…', value: 'json' },
      ],
      (v) => {
        const [only, format] = v.startsWith('sel:') ? [true, v.slice(4)] : [false, v];
        o.send({ type: 'export', format: format as 'csv' | 'json', ...(only ? { paths } : {}) });
      },
    );
  });
  const materialize = button(
    'file-symlink-directory',
    'Copy or link images into one folder per cluster…',
    (e) => {
      const paths = o.selectedPaths();
      if (paths.length === 0) return o.send({ type: 'materialize' });
      showMenu(
        e.clientX,
        e.clientY,
        [
          { label: `Materialize the ${paths.length} Selected…`, value: 'sel' },
          { label: 'Materialize All…', value: 'all' },
        ],
        (v) => o.send(v === 'sel' ? { type: 'materialize', paths } : { type: 'materialize' }),
      );
    },
  );
  // Only the side-bar view offers it: in the editor tab it would open itself.
  const panel =
    document.body.dataset.place === 'sidebar'
      ? [button('screen-full', 'Open the gallery in an editor tab', () => o.send({ type: 'openPanel' }))]
      : [];
  const status = h('span', { class: 'status', role: 'status' });
  const el = h(
    'div',
    { class: 'toolbar' },
    mode,
    sort,
    classFilter,
    search,
    h('span', { class: 'spring' }),
    chip,
    selection,
    undo,
    redo,
    exportBtn,
    materialize,
    ...panel,
    status,
  );

  let classKey = '';
  return {
    el,
    /** Puts settings changed by the page (not the user) back into the controls. */
    showSettings() {
      mode.value = s.mode;
      sort.value = s.sort;
      classFilter.value = s.classFilter;
      search.value = s.search;
    },
    update(state, cell, selected, shown, selectedExcluded) {
      const key = JSON.stringify([state.classes, state.superClasses]);
      if (key !== classKey) {
        classKey = key;
        const opts: [string, string][] = [['', 'All classes']];
        state.superClasses.forEach((n, i) => opts.push([`s:${i}`, `Super-class: ${n}`]));
        state.classes.forEach((n, i) => opts.push([`c:${i}`, n]));
        if (!opts.some(([v]) => v === s.classFilter)) s.classFilter = '';
        classFilter.replaceChildren(
          ...opts.map(([v, t]) => h('vscode-option', { value: v, selected: v === s.classFilter }, t)),
        );
        classFilter.hidden = state.classes.length === 0;
      }
      chip.hidden = !cell;
      if (cell) {
        const name =
          cell.cluster === undefined
            ? (cell.title ?? `${cell.images?.length ?? 0} images`)
            : (state.clusters.find((c) => c.id === cell.cluster)?.name ?? `Cluster ${cell.cluster}`);
        const what =
          cell.classIndex !== undefined
            ? ` × ${state.classes[cell.classIndex]}`
            : cell.superIndex !== undefined
              ? ` × ${state.superClasses[cell.superIndex]}`
              : '';
        const close = h('vscode-icon', {
          name: 'close',
          'action-icon': true,
          title: 'Show all clusters',
          'aria-label': 'Show all clusters',
        });
        close.addEventListener('click', o.onClearCell);
        chip.replaceChildren(h('vscode-icon', { name: 'filter' }), `${name}${what}`, close);
      }
      selection.classList.toggle('none', selected === 0);
      if (selected === 0) selection.replaceChildren('None selected');
      else {
        const move = h('vscode-button', { secondary: true, class: 'move' }, 'Move to…');
        move.addEventListener('click', (e) => o.onMoveSelection(e.clientX, e.clientY));
        // All of it excluded already: the button takes it back into the dataset instead.
        const include = selectedExcluded === selected;
        const exclude = h(
          'vscode-button',
          {
            secondary: true,
            class: 'exclude',
            title: include
              ? 'Take the selection off the dataset’s exclusion list'
              : 'Leave the selection out of later runs and exports (files are kept; Undo takes it back)',
          },
          include ? 'Include Again' : 'Exclude from Dataset',
        );
        exclude.addEventListener('click', () => o.onExcludeSelection(!include));
        const clear = h('vscode-icon', {
          name: 'close',
          'action-icon': true,
          title: 'Clear the selection',
          'aria-label': 'Clear the selection',
        });
        clear.addEventListener('click', o.onClearSelection);
        selection.replaceChildren(`${selected.toLocaleString()} selected`, move, exclude, clear);
      }
      undo.toggleAttribute('disabled', !state.canUndo);
      redo.toggleAttribute('disabled', !state.canRedo);
      for (const b of [exportBtn, materialize, ...panel]) b.toggleAttribute('disabled', !state.run);
      const total = state.items.names.length;
      const parts = [
        shown === total ? count(total, 'image') : `${shown.toLocaleString()} of ${count(total, 'image')}`,
        count(state.clusters.length, 'cluster'),
      ];
      if (state.newItems.length) parts.push(`${state.newItems.length} new`);
      if (state.excludedItems.length) parts.push(`${state.excludedItems.length.toLocaleString()} excluded`);
      status.textContent = parts.join(' · ');
    },
  };
}
