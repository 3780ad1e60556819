/**
 * The gallery's "doesn't belong" sort on the host: each shown image's score (src/common/belong.ts)
 * from the run's saved features and its clusters as the user edited them. Images without features
 * (added after training) and excluded images get none: the page sorts them last.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { doesNotBelong } from '../../common/belong.js';
import { readRunFeatures } from '../../common/features.js';
import type { Assignment } from '../../protocol/run.js';
import type { BelongScores } from '../../protocol/galleryMessages.js';
import type { RunModel } from './runModel.js';

export async function belongScores(m: RunModel, rows: readonly Assignment[]): Promise<BelongScores> {
  const base = { type: 'belong' as const, dir: m.dir, scores: [] as (number | null)[] };
  let f;
  try {
    f = await readRunFeatures(m.dir);
  } catch (e) {
    return {
      ...base,
      note: `cannot read the run's features (${(e as Error).message}): sorted by least confident instead`,
    };
  }
  if (!f)
    return {
      ...base,
      note: 'this run saved no per-image features (trained before ClusterLab kept them): sorted by least confident instead',
    };
  if (f.meta.rows !== rows.length)
    return {
      ...base,
      note: `the run's features have ${f.meta.rows} rows for ${rows.length} images: sorted by least confident instead`,
    };
  const rowOf = new Map(rows.map((r, i) => [r.path, i]));
  const cluster = new Int32Array(rows.length).fill(-1);
  const confidence = new Float64Array(rows.length);
  const itemRow = new Int32Array(m.paths.length).fill(-1);
  m.paths.forEach((p, i) => {
    const row = rowOf.get(p);
    if (row === undefined || m.excluded.has(p)) return;
    itemRow[i] = row;
    cluster[row] = m.cluster[i]!;
    confidence[row] = m.confidence[i]!;
  });
  const t = await doesNotBelong({
    features: f.features,
    dims: f.meta.dims,
    cluster,
    confidence,
    yieldEvery: () => yieldToLoop(),
  });
  return {
    ...base,
    scores: Array.from(itemRow, (row) => (row < 0 ? null : Math.round(t.score[row]! * 1e4) / 1e4)),
  };
}
