// A lasso drawn on the map page as a user draws it (Shift-drag) in a real VS Code: around the image
// nearest the map's centre and its nearest neighbours on screen. Shared by the map and curation e2e.
import type { Frame, Page } from 'playwright-core';
import { readLayout } from '../../src/common/layout.js';
import { bounds, toScreen, type View } from '../../webview/map/camera.js';
import type { Workbench } from './workbench.js';

/** Lassoes a box around `around` images near the map's centre; returns the indices (assignments.csv order) inside it. */
export async function lassoNearCentre(
  wb: Workbench,
  map: Frame,
  runDir: string,
  around = 6,
): Promise<number[]> {
  const canvas = map.locator('canvas.points');
  // Where the points are: the cached layout in the host's unit square, through the page's view.
  const { xy } = (await readLayout(runDir))!;
  const [minX, minY, maxX, maxY] = bounds(xy);
  const span = Math.max(maxX - minX, maxY - minY);
  const view = JSON.parse((await canvas.getAttribute('data-view'))!) as View;
  const box = (await canvas.boundingBox())!;
  const screen = Array.from({ length: xy.length / 2 }, (_, i) =>
    toScreen(view, (xy[2 * i]! - minX) / span, (xy[2 * i + 1]! - minY) / span),
  );
  const centre = [box.width / 2, box.height / 2];
  const seed = screen.reduce(
    (b, p, i) =>
      Math.hypot(p[0] - centre[0]!, p[1] - centre[1]!) <
      Math.hypot(screen[b]![0] - centre[0]!, screen[b]![1] - centre[1]!)
        ? i
        : b,
    0,
  );
  const near = screen
    .map((p, i) => [Math.hypot(p[0] - screen[seed]![0], p[1] - screen[seed]![1]), i] as const)
    .sort((a, b) => a[0] - b[0])
    .slice(0, around)
    .map(([, i]) => i);
  const [x0, y0] = [
    Math.min(...near.map((i) => screen[i]![0])) - 5,
    Math.min(...near.map((i) => screen[i]![1])) - 5,
  ];
  const [x1, y1] = [
    Math.max(...near.map((i) => screen[i]![0])) + 5,
    Math.max(...near.map((i) => screen[i]![1])) + 5,
  ];
  const inside = screen.flatMap((p, i) => (p[0] > x0 && p[0] < x1 && p[1] > y0 && p[1] < y1 ? [i] : []));

  await shiftDragBox(wb.page, [box.x + x0, box.y + y0, box.x + x1, box.y + y1]);
  await map.locator('.strip .count', { hasText: new RegExp(`^${inside.length} selected`) }).waitFor();
  return inside;
}

/** Shift-drags around the box [x0, y0, x1, y1] (page coordinates) as a lasso; `up` releases the button (a test may wait on what it causes). */
export async function shiftDragBox(
  page: Page,
  [x0, y0, x1, y1]: [number, number, number, number],
  up: () => Promise<void> = () => page.mouse.up(),
): Promise<void> {
  const { mouse, keyboard } = page;
  await keyboard.down('Shift');
  await mouse.move(x0, y0);
  await mouse.down();
  for (const [x, y] of [
    [x1, y0],
    [x1, y1],
    [x0, y1],
    [x0, y0 + 1],
  ] as const)
    await mouse.move(x, y, { steps: 5 });
  await up();
  await keyboard.up('Shift');
}
