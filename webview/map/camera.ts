/**
 * Where the map's points land on screen: data (the unit square the host scaled the layout into,
 * y up) to CSS pixels of the canvas, and back. Pure, so the tests aim the pointer with it.
 */
export interface View {
  /** CSS pixels per data unit. */
  k: number;
  /** Screen position of the data origin. */
  ox: number;
  oy: number;
}

/** Share of the canvas left empty around the points when the whole map is shown. */
export const MARGIN = 0.04;

export function bounds(xy: ArrayLike<number>): [number, number, number, number] {
  let minX = Infinity,
    maxX = -Infinity,
    minY = Infinity,
    maxY = -Infinity;
  for (let i = 0; i < xy.length; i += 2) {
    const x = xy[i]!,
      y = xy[i + 1]!;
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  return Number.isFinite(minX) ? [minX, minY, maxX, maxY] : [0, 0, 1, 1];
}

/** The view that shows all of `box` centred in a width x height canvas. */
export function fitView(box: [number, number, number, number], width: number, height: number): View {
  const [minX, minY, maxX, maxY] = box;
  const k =
    (1 - 2 * MARGIN) * Math.min(width / Math.max(maxX - minX, 1e-9), height / Math.max(maxY - minY, 1e-9));
  return { k, ox: width / 2 - (k * (minX + maxX)) / 2, oy: height / 2 + (k * (minY + maxY)) / 2 };
}

export const toScreen = (v: View, x: number, y: number): [number, number] => [v.ox + x * v.k, v.oy - y * v.k];
export const toData = (v: View, sx: number, sy: number): [number, number] => [
  (sx - v.ox) / v.k,
  (v.oy - sy) / v.k,
];

/** Zooms by `factor` keeping the data point under (sx, sy) where it is. */
export function zoomAt(v: View, sx: number, sy: number, factor: number): View {
  return { k: v.k * factor, ox: sx - (sx - v.ox) * factor, oy: sy - (sy - v.oy) * factor };
}

export const pan = (v: View, dx: number, dy: number): View => ({ k: v.k, ox: v.ox + dx, oy: v.oy + dy });
