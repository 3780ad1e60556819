/**
 * A uniform grid over the map's points (a counting sort of point ids by cell), so hovering finds
 * the nearest point and a lasso tests only the points in the cells its outline's box covers.
 */
import { bounds } from './camera.js';

export class PointIndex {
  private readonly g: number;
  private readonly minX: number;
  private readonly minY: number;
  private readonly cell: number;
  /** Point ids sorted by cell; cell c holds ids[start[c] .. start[c + 1]). */
  private readonly ids: Int32Array;
  private readonly start: Int32Array;

  constructor(private readonly xy: Float32Array) {
    const n = xy.length / 2;
    const [minX, minY, maxX, maxY] = bounds(xy);
    // About 8 points a cell.
    this.g = Math.max(1, Math.ceil(Math.sqrt(n / 8)));
    this.minX = minX;
    this.minY = minY;
    this.cell = Math.max(maxX - minX, maxY - minY, 1e-9) / this.g;
    const cellOf = new Int32Array(n);
    const count = new Int32Array(this.g * this.g + 1);
    for (let i = 0; i < n; i++) count[(cellOf[i] = this.cellAt(xy[2 * i]!, xy[2 * i + 1]!)) + 1]!++;
    for (let c = 1; c < count.length; c++) count[c]! += count[c - 1]!;
    this.start = count.slice();
    this.ids = new Int32Array(n);
    for (let i = 0; i < n; i++) this.ids[count[cellOf[i]!]!++] = i;
  }

  private col(v: number, min: number): number {
    return Math.min(this.g - 1, Math.max(0, Math.floor((v - min) / this.cell)));
  }

  private cellAt(x: number, y: number): number {
    return this.col(y, this.minY) * this.g + this.col(x, this.minX);
  }

  /** Calls `visit` with every point id in the cells overlapping the box. */
  private each(x0: number, y0: number, x1: number, y1: number, visit: (id: number) => void): void {
    const [c0, c1, r0, r1] = [
      this.col(x0, this.minX),
      this.col(x1, this.minX),
      this.col(y0, this.minY),
      this.col(y1, this.minY),
    ];
    for (let r = r0; r <= r1; r++) {
      for (let c = c0; c <= c1; c++) {
        const cell = r * this.g + c;
        for (let k = this.start[cell]!; k < this.start[cell + 1]!; k++) visit(this.ids[k]!);
      }
    }
  }

  /** The point nearest (x, y) within `radius` (data units), or -1. */
  nearest(x: number, y: number, radius: number): number {
    let best = -1;
    let bestD = radius * radius;
    this.each(x - radius, y - radius, x + radius, y + radius, (i) => {
      const d = (this.xy[2 * i]! - x) ** 2 + (this.xy[2 * i + 1]! - y) ** 2;
      if (d <= bestD) [best, bestD] = [i, d];
    });
    return best;
  }

  /** Ids of the points inside the closed polygon (x0, y0, x1, y1, ...), by the even-odd rule. */
  inPolygon(poly: ArrayLike<number>): number[] {
    const m = poly.length / 2;
    if (m < 3) return [];
    const [x0, y0, x1, y1] = bounds(poly);
    const out: number[] = [];
    this.each(x0, y0, x1, y1, (i) => {
      const px = this.xy[2 * i]!,
        py = this.xy[2 * i + 1]!;
      if (px < x0 || px > x1 || py < y0 || py > y1) return;
      let inside = false;
      for (let a = 0, b = m - 1; a < m; b = a++) {
        const ay = poly[2 * a + 1]!,
          by = poly[2 * b + 1]!;
        if (
          ay > py !== by > py &&
          px < ((poly[2 * b]! - poly[2 * a]!) * (py - ay)) / (by - ay) + poly[2 * a]!
        )
          inside = !inside;
      }
      if (inside) out.push(i);
    });
    return out.sort((a, b) => a - b);
  }
}
