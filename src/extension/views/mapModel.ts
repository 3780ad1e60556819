/**
 * The map page's state: the gallery's run model plus each image's point on the run's 2-D layout,
 * scaled into the unit square. Pure, so it is tested from fixture files without VS Code.
 */
import type { LayoutMeta } from '../../common/layout.js';
import type { Assignment } from '../../protocol/run.js';
import type { MapLayout, MapState } from '../../protocol/mapMessages.js';
import type { RunChoice } from '../../protocol/pageMessages.js';
import { galleryState, type RunModel } from './runModel.js';

/**
 * Each image's point: layout rows follow assignments.csv, so an image is found by its path. An
 * image added after training has no features and so no point: it sits near its cluster's centre,
 * spread a little (a fixed spiral) so several stay apart.
 */
export function mapLayoutOf(
  m: RunModel,
  rows: readonly Assignment[],
  meta: LayoutMeta,
  xy: Float32Array,
): MapLayout {
  const rowOf = new Map(rows.map((r, i) => [r.path, i]));
  const n = m.paths.length;
  const out = new Float64Array(2 * n);
  const placed: number[] = [];
  const sum = new Map<number, [number, number, number]>();
  let minX = Infinity,
    maxX = -Infinity,
    minY = Infinity,
    maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    const r = rowOf.get(m.paths[i]!);
    if (r === undefined) {
      placed.push(i);
      continue;
    }
    const x = xy[2 * r]!,
      y = xy[2 * r + 1]!;
    out[2 * i] = x;
    out[2 * i + 1] = y;
    [minX, maxX, minY, maxY] = [Math.min(minX, x), Math.max(maxX, x), Math.min(minY, y), Math.max(maxY, y)];
    const s = sum.get(m.cluster[i]!) ?? [0, 0, 0];
    sum.set(m.cluster[i]!, [s[0] + x, s[1] + y, s[2] + 1]);
  }
  if (!Number.isFinite(minX)) [minX, maxX, minY, maxY] = [0, 1, 0, 1];
  const spread = 0.01 * Math.max(maxX - minX, maxY - minY);
  placed.forEach((i, k) => {
    const s = sum.get(m.cluster[i]!);
    const [cx, cy] = s ? [s[0] / s[2], s[1] / s[2]] : [(minX + maxX) / 2, (minY + maxY) / 2];
    const a = k * 2.399963; // the golden angle: successive points never line up
    out[2 * i] = cx + spread * Math.sqrt(k + 1) * Math.cos(a);
    out[2 * i + 1] = cy + spread * Math.sqrt(k + 1) * Math.sin(a);
  });
  // Into the unit square, aspect kept; five decimals are far below a pixel and keep the message short.
  const scale = 1 / Math.max(maxX - minX, maxY - minY, 1e-12);
  const unit = Array.from(out, (v, j) => Math.round((v - (j % 2 ? minY : minX)) * scale * 1e5) / 1e5);
  return { method: meta.method, knnPreservation: meta.knnPreservation, xy: unit, placed };
}

export function mapState(
  m: RunModel,
  runs: RunChoice[],
  canUndo: boolean,
  canRedo: boolean,
  layout: MapLayout | undefined,
  canCompute: boolean,
): MapState {
  return {
    ...galleryState(m, runs, canUndo, canRedo),
    type: 'map',
    ...(layout ? { layout } : {}),
    canCompute,
  };
}
