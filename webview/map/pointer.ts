/**
 * The pointer on the map: a press is a click, a pan or (Shift, or the lasso tool) a lasso, told apart
 * when it moves or ends; the wheel zooms about the pointer; hovering picks the nearest point.
 */
import { pan, toData, zoomAt, type View } from './camera.js';

export interface PointerHooks {
  view(): View | undefined;
  /** The view panned or zoomed (drawn on the next frame). */
  setView(v: View): void;
  lassoMode(): boolean;
  /** The point under (x, y), -1 for none. */
  pick(x: number, y: number): number;
  hover(id: number, x?: number, y?: number): void;
  /** A press that did not move. */
  click(e: PointerEvent): void;
  /** A lasso closed: its polygon in data coordinates (x, y pairs); `add`: Ctrl/Cmd held. */
  lassoed(poly: number[], add: boolean): void;
}

export function mapPointer(canvas: HTMLCanvasElement, lassoPath: SVGPathElement, hooks: PointerHooks): void {
  /** The press under way: where it started, the view then, and the lasso's polygon so far. */
  let drag: { x: number; y: number; view: View; lasso: boolean; moved: boolean; poly: number[] } | undefined;

  canvas.addEventListener('pointerdown', (e) => {
    const view = hooks.view();
    if (e.button !== 0 || !view) return;
    canvas.setPointerCapture(e.pointerId);
    drag = {
      x: e.offsetX,
      y: e.offsetY,
      view,
      lasso: hooks.lassoMode() || e.shiftKey,
      moved: false,
      poly: [...toData(view, e.offsetX, e.offsetY)],
    };
    hooks.hover(-1);
  });

  canvas.addEventListener('pointermove', (e) => {
    if (!drag) {
      hooks.hover(hooks.pick(e.offsetX, e.offsetY), e.offsetX, e.offsetY);
      return;
    }
    if (!drag.moved && Math.hypot(e.offsetX - drag.x, e.offsetY - drag.y) < 4) return;
    drag.moved = true;
    if (drag.lasso) {
      drag.poly.push(...toData(drag.view, e.offsetX, e.offsetY));
      drawLasso(drag.poly, drag.view);
    } else hooks.setView(pan(drag.view, e.offsetX - drag.x, e.offsetY - drag.y));
  });

  canvas.addEventListener('pointerup', (e) => {
    const d = drag;
    drag = undefined;
    if (!d) return;
    if (!d.moved) return hooks.click(e);
    if (!d.lasso) return;
    hooks.lassoed(d.poly, e.ctrlKey || e.metaKey);
    lassoPath.setAttribute('d', '');
  });

  canvas.addEventListener(
    'wheel',
    (e) => {
      const view = hooks.view();
      if (!view) return;
      e.preventDefault();
      hooks.setView(zoomAt(view, e.offsetX, e.offsetY, Math.exp(-e.deltaY * 0.0015)));
      hooks.hover(-1);
    },
    { passive: false },
  );

  canvas.addEventListener('pointerleave', () => drag || hooks.hover(-1));

  function drawLasso(poly: number[], v: View): void {
    let d = '';
    for (let j = 0; j < poly.length; j += 2)
      d += `${j ? 'L' : 'M'}${(v.ox + poly[j]! * v.k).toFixed(1)},${(v.oy - poly[j + 1]! * v.k).toFixed(1)}`;
    lassoPath.setAttribute('d', `${d}Z`);
  }
}
