// A run's 2-D embedding map (layout.json + layout.f32: x, y per image in assignments.csv's row
// order), computed by the trainer from features.json's features and read by the map page.
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from './atomicFile.js';
import { int, lit, num, obj, str, type Infer } from '../protocol/schema.js';
import { float32FromLE, readHeader, readSized, toLittleEndian } from './runBinary.js';

export const LAYOUT_FILE = 'layout.json';
const LAYOUT_BIN = 'layout.f32';

/** layout.json: written last, so its presence means layout.f32 is whole. */
const layoutMetaSchema = obj({
  format: lit('clusterlab-layout'),
  version: lit(1),
  rows: int(1),
  /** How it was made, e.g. "umap (pca 50, 15 neighbours, min dist 0.1, seed 42)". */
  method: str(200),
  /** The features.json epoch it was computed from: a layout of older features is stale. */
  epoch: int(0),
  /** Share of each point's 10 nearest feature-space neighbours kept among its 10 nearest in 2-D. */
  knnPreservation: num,
  seconds: num,
});
export type LayoutMeta = Infer<typeof layoutMetaSchema>;

/** Writes layout.f32 (x0, y0, x1, y1, ...), then layout.json, each atomically. */
export async function writeLayout(
  runDir: string,
  meta: Omit<LayoutMeta, 'format' | 'version'>,
  xy: Float32Array,
): Promise<void> {
  if (xy.length !== meta.rows * 2) throw new Error(`layout: ${xy.length} values for ${meta.rows} points`);
  await writeFileAtomic(join(runDir, LAYOUT_BIN), toLittleEndian(xy));
  await writeJsonAtomic(join(runDir, LAYOUT_FILE), { format: 'clusterlab-layout', version: 1, ...meta });
}

/**
 * The run's layout, or undefined when none was computed yet. Errors name the file. With `rows`
 * (the run's images), a layout of another number of points is refused before layout.f32 is read.
 */
export async function readLayout(
  runDir: string,
  rows?: number,
): Promise<{ meta: LayoutMeta; xy: Float32Array } | undefined> {
  const meta = await readHeader(runDir, LAYOUT_FILE, layoutMetaSchema);
  if (!meta) return undefined;
  if (rows !== undefined && meta.rows !== rows)
    throw new Error(
      `${join(runDir, LAYOUT_FILE)} has ${meta.rows} points but assignments.csv ${rows} images: compute the map again.`,
    );
  return { meta, xy: float32FromLE(await readSized(runDir, LAYOUT_BIN, meta.rows * 8, LAYOUT_FILE)) };
}
