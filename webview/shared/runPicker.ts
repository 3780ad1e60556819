/** The run dropdown at the top of every page. */
import type { RunChoice } from '../../src/protocol/pageMessages.js';
import { h } from './dom.js';
import { rememberRun } from './host.js';

export interface RunPicker {
  el: HTMLElement;
  update(runs: readonly RunChoice[], current: string | undefined): void;
}

export function runPicker(onSelect: (dir: string) => void): RunPicker {
  const select = h('vscode-single-select', { 'aria-label': 'Run', class: 'run-picker' });
  let shown = '';
  select.addEventListener('change', () => {
    if (select.value) onSelect(select.value);
  });
  return {
    el: select,
    update(runs, current) {
      // Rebuilding the options while the user has the list open would close it under them.
      const key = JSON.stringify([runs, current]);
      if (key === shown) return;
      shown = key;
      select.replaceChildren(
        ...runs.map((r) =>
          h(
            'vscode-option',
            { value: r.dir, selected: r.dir === current, description: r.status },
            r.status === 'done' ? r.label : `${r.label} [${r.status}]`,
          ),
        ),
      );
      if (current) {
        select.value = current;
        rememberRun(current);
      }
    },
  };
}

/** A notice above the page's content; empty text hides it. */
export function banner(): { el: HTMLElement; set(text: string | undefined): void } {
  const el = h('div', { class: 'banner', role: 'status', hidden: true });
  return {
    el,
    set(text) {
      el.textContent = text ?? '';
      el.hidden = !text;
    },
  };
}
