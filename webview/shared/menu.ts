/** A pop-up menu at the pointer, drawn by vscode-elements' context menu so it looks like VS Code's. */
import { h } from './dom.js';

export interface MenuItem {
  label: string;
  value: string;
}

const SEPARATOR = { separator: true };

let holder: HTMLElement | undefined;
let menu: HTMLElementTagNameMap['vscode-context-menu'] | undefined;
let pick: ((value: string) => void) | undefined;

/** Shows `items` at (x, y); "-" entries are separators. `onPick` runs with the chosen value. */
export function showMenu(
  x: number,
  y: number,
  items: (MenuItem | '-')[],
  onPick: (value: string) => void,
): void {
  if (!holder || !menu) {
    menu = h('vscode-context-menu', { class: 'popup-menu' });
    holder = h('div', { class: 'popup-holder' }, menu);
    document.body.append(holder);
    // After the menu has closed itself, so a pick may open the next menu (Move to Cluster…).
    menu.addEventListener('vsc-context-menu-select', (e) => setTimeout(() => pick?.(e.detail.value)));
    // Escape closes the open menu and nothing else: the page's own Escape (the map clears its
    // selection) must not see it. Caught first, on the window's capture phase.
    window.addEventListener(
      'keydown',
      (e) => {
        if (e.key !== 'Escape' || !menu?.show) return;
        menu.show = false;
        e.preventDefault();
        e.stopImmediatePropagation();
      },
      true,
    );
  }
  pick = onPick;
  menu.data = items.map((i) => (i === '-' ? SEPARATOR : { label: i.label, value: i.value }));
  holder.style.left = `${x}px`;
  holder.style.top = `${y}px`;
  menu.show = true;
  // Keep the menu on screen, measured once drawn (its width follows its longest label): shift it
  // left of the pointer near the right edge, up near the bottom.
  const el = holder;
  requestAnimationFrame(() => {
    const box = el.firstElementChild!.getBoundingClientRect();
    el.style.left = `${Math.max(0, Math.min(x, window.innerWidth - box.width - 4))}px`;
    el.style.top = `${Math.max(0, Math.min(y, window.innerHeight - box.height - 4))}px`;
  });
}
