// A run's 2-D embedding map (layout.json + layout.f32: x, y per image in assignments.csv's row
// order), computed by the trainer from features.json's features and read by the map page.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from './atomicFile.js';
import { check, int, lit, num, obj, str, type Infer } from '../protocol/schema.js';

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
export async function writeLayout(runDir: string, meta: Omit<LayoutMeta, 'format' | 'version'>, xy: Float32Array): Promise<void> {
  if (xy.length !== meta.rows * 2) throw new Error(`layout: ${xy.length} values for ${meta.rows} points`);
  const bytes = new Uint8Array(xy.byteLength);
  const v = new DataView(bytes.buffer);
  for (let i = 0; i < xy.length; i++) v.setFloat32(4 * i, xy[i]!, true);
  await writeFileAtomic(join(runDir, LAYOUT_BIN), bytes);
  await writeJsonAtomic(join(runDir, LAYOUT_FILE), { format: 'clusterlab-layout', version: 1, ...meta });
}

/** The run's layout, or undefined when none was computed yet. Errors name the file. */
export async function readLayout(runDir: string): Promise<{ meta: LayoutMeta; xy: Float32Array } | undefined> {
  let text: string;
  try {
    text = await readFile(join(runDir, LAYOUT_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  let meta: LayoutMeta;
  try {
    meta = check(layoutMetaSchema, JSON.parse(text));
  } catch (e) {
    throw new Error(`${join(runDir, LAYOUT_FILE)}: ${(e as Error).message}`, { cause: e });
  }
  const path = join(runDir, LAYOUT_BIN);
  const b = await readFile(path);
  if (b.byteLength !== meta.rows * 8) throw new Error(`${path}: ${b.byteLength} bytes where layout.json says ${meta.rows * 8}`);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const xy = new Float32Array(meta.rows * 2);
  for (let i = 0; i < xy.length; i++) xy[i] = v.getFloat32(4 * i, true);
  return { meta, xy };
}
