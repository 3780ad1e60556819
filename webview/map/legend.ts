/**
 * The map's legend: a swatch per cluster, class or kind of point (a gradient for confidence); a click
 * on a categorical entry selects its points. It folds away, since it covers a corner of the map.
 */
import { h } from '../shared/dom.js';
import { css, type LegendEntry } from './colors.js';

export interface Legend {
  el: HTMLElement;
  /** `visible`: the map has points to explain; `categorical`: entries select (not a gradient). */
  draw(entries: LegendEntry[], visible: boolean, categorical: boolean): void;
}

export function mapLegend(
  settings: { legendFolded: boolean },
  onFold: () => void,
  onSelect: (ids: number[]) => void,
): Legend {
  const el = h('div', {
    class: 'legend',
    role: 'list',
    'aria-label': 'Legend: click an entry to select its images',
  });
  let shown: Parameters<Legend['draw']> = [[], false, true];

  function draw(...args: Parameters<Legend['draw']>): void {
    shown = args;
    const [entries, visible, categorical] = args;
    // Without points there is nothing for the legend to explain or select.
    el.hidden = !visible;
    el.classList.toggle('gradient', !categorical);
    el.classList.toggle('folded', settings.legendFolded);
    const fold = h(
      'button',
      {
        class: 'legend-fold',
        'aria-expanded': String(!settings.legendFolded),
        title: settings.legendFolded ? 'Show the legend' : 'Fold the legend away',
      },
      h('span', { class: `codicon codicon-chevron-${settings.legendFolded ? 'left' : 'right'}` }),
      'Legend',
    );
    el.replaceChildren(
      fold,
      ...entries.map((e, k) => {
        // Set through the CSSOM: the CSP refuses style attributes.
        const swatch = h('span', { class: 'swatch' });
        swatch.style.background = css(e.color);
        const title = categorical ? `Select the ${e.ids.length} images of ${e.label}` : '';
        return h(
          categorical ? 'button' : 'div',
          { class: 'entry', 'data-k': k, role: 'listitem', title },
          swatch,
          categorical ? `${e.label} (${e.ids.length})` : e.label,
        );
      }),
    );
  }

  el.addEventListener('click', (e) => {
    if ((e.target as Element).closest('.legend-fold')) {
      settings.legendFolded = !settings.legendFolded;
      onFold();
      return draw(...shown);
    }
    const k = (e.target as Element).closest<HTMLElement>('[data-k]')?.dataset.k;
    const entry = k === undefined ? undefined : shown[0][Number(k)];
    if (entry && entry.ids.length > 0) onSelect(entry.ids);
  });
  return { el, draw };
}
