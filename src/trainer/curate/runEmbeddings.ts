/**
 * The vectors near duplicates by cosine compare for a run: its feature model's embeddings (from the
 * shared embedding cache) when the run recorded a feature model and the cache holds every image's,
 * else the run's own features (features.f16). Rows L2-normalised, one per image still in the folder.
 */
import { readRunFeatures } from '../../common/features.js';
import { scanFolder } from '../data/scan.js';
import { EmbeddingCache } from '../features/embeddingCache.js';
import { ConfigError } from '../run/config.js';
import { RunFolder } from '../run/runFolder.js';
import type { RunClusters } from './runClusters.js';

export interface RunEmbeddings {
  source: 'feature model' | 'run features';
  paths: string[];
  rows: Float32Array;
  dim: number;
}

export async function runEmbeddings(run: RunClusters, cacheDir: string): Promise<RunEmbeddings> {
  const scan = await scanFolder(run.root);
  const model = await fromFeatureModel(run, scan.entries, cacheDir);
  if (model) return model;
  const features = await readRunFeatures(run.dir);
  if (!features)
    throw new ConfigError(
      `${run.dir} has no saved features (features.json) and no cached feature-model embeddings: near duplicates by cosine need one of them`,
    );
  const dim = features.meta.dims;
  // Only images still in the folder: a deleted one is no duplicate to act on.
  const present = new Set(scan.entries.map((e) => e.path));
  const keep = run.paths.flatMap((p, i) => (present.has(p) ? [i] : []));
  const rows = new Float32Array(keep.length * dim);
  keep.forEach((r, i) => rows.set(features.features.subarray(r * dim, (r + 1) * dim), i * dim));
  return { source: 'run features', paths: keep.map((i) => run.paths[i]!), rows: normalise(rows, dim), dim };
}

async function fromFeatureModel(
  run: RunClusters,
  entries: readonly { path: string; abs: string; size: number; mtimeMs: number }[],
  cacheDir: string,
): Promise<RunEmbeddings | undefined> {
  const record = await new RunFolder(run.dir).readFeatureModel();
  if (!record) return undefined;
  const { cache } = await EmbeddingCache.open(cacheDir, record.file, record.sha256, record.preprocessing);
  try {
    const rowOf = cache.lookup(entries);
    if (cache.dim === undefined || rowOf.some((r) => r < 0)) return undefined;
    const rows = new Float32Array(entries.length * cache.dim);
    await cache.read(rowOf, rows);
    return {
      source: 'feature model',
      paths: entries.map((e) => e.path),
      rows: normalise(rows, cache.dim),
      dim: cache.dim,
    };
  } finally {
    await cache.close();
  }
}

function normalise(rows: Float32Array, dim: number): Float32Array {
  for (let o = 0; o < rows.length; o += dim) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += rows[o + d]! ** 2;
    const k = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let d = 0; d < dim; d++) rows[o + d]! *= k;
  }
  return rows;
}
