/**
 * A scroll container that keeps only the visible rows (plus a margin) in the DOM. Rows are
 * absolutely placed inside a spacer as tall as the whole gallery, so the scrollbar is true to
 * size; scrolling mounts and unmounts a handful of rows per frame.
 */
import { rowAt, type Layout } from './layout.js';

/** Rows kept beyond the viewport, so a short scroll finds them ready. */
const OVERSCAN_PX = 400;

export class VirtualGrid {
  readonly spacer: HTMLElement;
  private layout: Layout | undefined;
  private readonly mounted = new Map<number, HTMLElement>();
  private frame = 0;

  constructor(
    readonly scroller: HTMLElement,
    private readonly renderRow: (row: number, layout: Layout) => HTMLElement,
    private readonly afterRender: () => void,
  ) {
    this.spacer = document.createElement('div');
    this.spacer.className = 'spacer';
    scroller.append(this.spacer);
    scroller.addEventListener('scroll', () => this.schedule(), { passive: true });
  }

  /** Replaces every row (new data or width); the scroll position is kept. */
  setLayout(layout: Layout): void {
    this.layout = layout;
    for (const el of this.mounted.values()) el.remove();
    this.mounted.clear();
    this.spacer.style.height = `${layout.offsets[layout.rows.length]}px`;
    this.render();
  }

  mountedRows(): IterableIterator<HTMLElement> {
    return this.mounted.values();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private render(): void {
    const layout = this.layout;
    if (!layout) return;
    const top = this.scroller.scrollTop;
    const first = rowAt(layout, Math.max(0, top - OVERSCAN_PX));
    const last = Math.min(
      layout.rows.length,
      rowAt(layout, top + this.scroller.clientHeight + OVERSCAN_PX) + 1,
    );
    for (const [r, el] of this.mounted) {
      if (r < first || r >= last) {
        el.remove();
        this.mounted.delete(r);
      }
    }
    const fresh = document.createDocumentFragment();
    for (let r = first; r < last; r++) {
      if (this.mounted.has(r)) continue;
      const el = this.renderRow(r, layout);
      el.style.transform = `translateY(${layout.offsets[r]}px)`;
      this.mounted.set(r, el);
      fresh.append(el);
    }
    this.spacer.append(fresh);
    this.afterRender();
  }
}
