/** The card shown beside the hovered point: its thumbnail, file name, cluster, confidence and class. */
import type { MapState } from '../../src/protocol/mapMessages.js';
import { h } from '../shared/dom.js';

export interface Tooltip {
  el: HTMLElement;
  /** Where the pointer is, in the stage's pixels. */
  moveTo(x: number, y: number): void;
  show(state: MapState, i: number, path: string, uri: string | undefined): void;
  hide(): void;
}

export function mapTooltip(stage: HTMLElement): Tooltip {
  const el = h('div', { class: 'tooltip', hidden: true, role: 'tooltip' });
  let at: [number, number] = [0, 0];

  /** Beside the pointer, flipped to its other side near the stage's right or bottom edge. */
  function place(): void {
    const [x, y] = at;
    const flipX = x + 180 > stage.clientWidth;
    const flipY = y + 170 > stage.clientHeight;
    el.style.left = `${flipX ? x - 172 : x + 14}px`;
    el.style.top = `${flipY ? Math.max(0, y - 160) : y + 14}px`;
  }

  function show(state: MapState, i: number, path: string, uri: string | undefined): void {
    const c = state.items.cluster[i]!;
    const name = state.clusters.find((x) => x.id === c)?.name ?? `Cluster ${c}`;
    const label = state.items.label[i]!;
    el.replaceChildren(
      uri ? h('img', { src: uri, alt: '' }) : h('div', { class: 'placeholder' }),
      h('div', { class: 'file' }, path.slice(path.lastIndexOf('/') + 1)),
      h('div', { class: 'cluster' }, name),
      h(
        'div',
        { class: 'muted' },
        `confidence ${state.items.confidence[i]!.toFixed(2)}${label >= 0 ? ` · ${state.classes[label]}` : ''}`,
      ),
    );
    el.hidden = false;
    place();
  }

  return {
    el,
    moveTo: (x, y) => {
      at = [x, y];
      if (!el.hidden) place();
    },
    show,
    hide: () => (el.hidden = true),
  };
}
