/**
 * The map's selection: a strip of the selected images' thumbnails under the map, and what can be
 * done with them: move to a cluster, make a new (named) cluster, export, exclude from the dataset,
 * or show in the gallery.
 */
import type { MapState, MapToHost } from '../../src/protocol/mapMessages.js';
import { h } from '../shared/dom.js';
import { showMenu } from '../shared/menu.js';

/** Thumbnails the strip shows at most; the count says how many more there are. */
export const STRIP_MAX = 80;

export interface Strip {
  el: HTMLElement;
  update(
    state: MapState,
    paths: readonly string[],
    selected: readonly number[],
    thumbs: ReadonlyMap<string, string>,
  ): void;
  /** Paths shown without a thumbnail yet. */
  missing(): string[];
}

export function selectionStrip(send: (m: MapToHost) => void, onClear: () => void): Strip {
  const count = h('span', { class: 'count', role: 'status' });
  const actions = h('span', { class: 'actions' });
  const images = h('div', { class: 'thumbs', role: 'list', 'aria-label': 'Selected images' });
  const el = h(
    'div',
    { class: 'strip', hidden: true },
    h('div', { class: 'strip-bar' }, count, actions),
    images,
  );
  let current: string[] = [];
  let missing: string[] = [];
  let state: MapState | undefined;

  const button = (label: string, onClick: (e: MouseEvent) => void, secondary = true) => {
    const b = h('vscode-button', { secondary, 'data-action': label }, label);
    b.addEventListener('click', onClick);
    return b;
  };
  const newCluster = () => {
    const field = h('vscode-textfield', {
      placeholder: 'Name of the new cluster (Enter)',
      'aria-label': 'Name of the new cluster',
      class: 'new-name',
    });
    field.addEventListener('keydown', (e) => {
      e.stopPropagation();
      if (e.key === 'Enter')
        send({
          type: 'moveToNew',
          paths: current,
          ...(field.value.trim() ? { name: field.value.trim() } : {}),
        });
      else if (e.key !== 'Escape') return;
      field.remove();
    });
    actions.prepend(field);
    requestAnimationFrame(() => field.focus());
  };
  actions.append(
    button(
      'Move to…',
      (e) =>
        showMenu(
          e.clientX,
          e.clientY,
          [
            ...(state?.clusters ?? []).map((c) => ({ label: `${c.name} (${c.size})`, value: String(c.id) })),
            '-',
            { label: 'New Cluster…', value: 'new' },
          ],
          (v) => (v === 'new' ? newCluster() : send({ type: 'move', paths: current, to: Number(v) })),
        ),
      false,
    ),
    button('New Cluster…', newCluster),
    button('Export…', (e) =>
      showMenu(
        e.clientX,
        e.clientY,
        [
          { label: 'Export Selection as CSV…', value: 'csv' },
          { label: 'Export Selection as JSON…', value: 'json' },
        ],
        (v) => send({ type: 'exportSelection', paths: current, format: v as 'csv' | 'json' }),
      ),
    ),
    button('Exclude from Dataset', () => send({ type: 'exclude', paths: current, exclude: true })),
    button('Show in Gallery', () => send({ type: 'showInGallery', paths: current })),
  );
  const clear = h('vscode-icon', {
    name: 'close',
    'action-icon': true,
    title: 'Clear the selection (Escape)',
    'aria-label': 'Clear the selection',
  });
  clear.addEventListener('click', onClear);
  actions.append(clear);
  images.addEventListener('click', (e) => {
    const path = (e.target as Element).closest<HTMLElement>('[data-path]')?.dataset.path;
    if (path) send({ type: 'open', path });
  });

  return {
    el,
    update(next, paths, selected, thumbs) {
      state = next;
      current = selected.map((i) => paths[i]!);
      el.hidden = selected.length === 0;
      const extra = selected.length > STRIP_MAX ? ` (first ${STRIP_MAX} shown)` : '';
      count.textContent = `${selected.length.toLocaleString('en')} selected${extra}`;
      missing = [];
      images.replaceChildren(
        ...current.slice(0, STRIP_MAX).map((p) => {
          const uri = thumbs.get(p);
          if (!uri) missing.push(p);
          const name = p.slice(p.lastIndexOf('/') + 1);
          return h(
            'button',
            { class: 'thumb', 'data-path': p, title: `${p} (click to open)`, role: 'listitem' },
            uri ? h('img', { src: uri, alt: name }) : h('span', { class: 'placeholder' }, name),
          );
        }),
      );
    },
    missing: () => missing,
  };
}
