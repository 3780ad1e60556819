/** Renaming a cluster in place: its name swaps for a text field; Enter renames, Escape or leaving the field cancels. */
import { h } from '../shared/dom.js';

export function startRename(nameEl: HTMLElement, rename: (name: string) => void): void {
  const field = h('vscode-textfield', {
    class: 'rename',
    value: nameEl.textContent ?? '',
    'aria-label': 'Cluster name',
  });
  let done = false;
  const finish = (commit: boolean) => {
    if (done) return;
    done = true;
    if (commit && field.value.trim() !== nameEl.textContent) rename(field.value);
    field.replaceWith(nameEl);
  };
  field.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') finish(true);
    else if (e.key === 'Escape') finish(false);
    e.stopPropagation();
  });
  field.addEventListener('blur', () => finish(false));
  nameEl.replaceWith(field);
  requestAnimationFrame(() => field.focus());
}
