import { readRunFeatures } from '../../common/features.js';
import { readLayout, writeLayout, type LayoutMeta } from '../../common/layout.js';
import { RunFolder } from '../run/runFolder.js';
import { computeLayout } from './umap.js';

export interface RunLayoutOptions {
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/**
 * The run's 2-D map (layout.json + layout.f32): the cached one when it was made from the features
 * the run has now (same epoch and rows), else computed from them with the run's seed and written
 * atomically. A run without features.json (older, or before its first eval epoch) is refused.
 */
export async function layoutRun(
  runDir: string,
  opts: RunLayoutOptions = {},
): Promise<{ meta: LayoutMeta; cached: boolean }> {
  const run = await new RunFolder(runDir).readRun();
  const f = await readRunFeatures(runDir);
  if (!f)
    throw new Error(
      `${runDir} has no features.json: it has not finished an eval epoch, or was trained before runs kept their features (train it again)`,
    );
  const cached = await readLayout(runDir).catch((e: Error) => {
    opts.log?.(`computing the map again: ${e.message}`);
    return undefined;
  });
  if (cached && cached.meta.epoch === f.meta.epoch && cached.meta.rows === f.meta.rows)
    return { meta: cached.meta, cached: true };
  const l = await computeLayout(f.features, f.meta.rows, f.meta.dims, {
    seed: run.config.seed,
    onProgress: opts.onProgress,
    signal: opts.signal,
  });
  const meta = {
    rows: f.meta.rows,
    method: l.method,
    epoch: f.meta.epoch,
    knnPreservation: l.knnPreservation,
    seconds: l.seconds,
  };
  await writeLayout(runDir, meta, l.xy);
  return { meta: { format: 'clusterlab-layout', version: 1, ...meta }, cached: false };
}
