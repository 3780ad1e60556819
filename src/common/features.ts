// A finished run's per-image features and cluster probabilities (features.json + two binary
// files), in assignments.csv's row order. The trainer writes them; the compare and map pages,
// merge suggestions and the layout read them. Pure Node: the extension host reads them too.
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from './atomicFile.js';
import { int, lit, obj, type Infer } from '../protocol/schema.js';
import { float32FromLE, readHeader, readSized, toLittleEndian } from './runBinary.js';

export const FEATURES_FILE = 'features.json';
const FEATURES_BIN = 'features.f16';
const PROBS_BIN = 'probs.f32';

/** features.json: written last, so its presence means both binaries are whole. */
const featuresMetaSchema = obj({
  format: lit('clusterlab-features'),
  version: lit(1),
  /** Images, = assignments.csv's data rows, in that order. */
  rows: int(1),
  /** The backbone's feature size; rows are L2-normalised. */
  dims: int(1, 65536),
  /** Columns of the probability matrix (the run's clusters). */
  clusters: int(1, 65536),
  /** The epoch whose model made them. */
  epoch: int(0),
});
export type FeaturesMeta = Infer<typeof featuresMetaSchema>;

export interface RunFeatures {
  meta: FeaturesMeta;
  /** rows x dims, row-major, L2-normalised (decoded from float16). */
  features: Float32Array;
  /** rows x clusters, row-major, each row sums to 1. */
  probs: Float32Array;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE half precision, round to nearest even; what numpy's float16 gives. */
export function toHalf(x: number): number {
  f32[0] = x;
  const b = u32[0]!;
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++;
  e = h >>> 10;
  return sign | (e >= 0x1f ? 0x7c00 : h);
}

export function fromHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Writes the binaries, then features.json (the commit point), each atomically. */
export async function writeRunFeatures(
  runDir: string,
  meta: Omit<FeaturesMeta, 'format' | 'version'>,
  features: Float32Array,
  probs: Float32Array,
): Promise<void> {
  if (features.length !== meta.rows * meta.dims)
    throw new Error(`features: ${features.length} values for ${meta.rows} x ${meta.dims}`);
  if (probs.length !== meta.rows * meta.clusters)
    throw new Error(`probs: ${probs.length} values for ${meta.rows} x ${meta.clusters}`);
  const half = new Uint16Array(features.length);
  for (let i = 0; i < features.length; i++) half[i] = toHalf(features[i]!);
  await writeFileAtomic(join(runDir, FEATURES_BIN), toLittleEndian(half));
  await writeFileAtomic(join(runDir, PROBS_BIN), toLittleEndian(probs));
  await writeJsonAtomic(join(runDir, FEATURES_FILE), { format: 'clusterlab-features', version: 1, ...meta });
}

/** The run's features, or undefined when it has none (older runs, unfinished ones). Errors name the file. */
export async function readRunFeatures(runDir: string): Promise<RunFeatures | undefined> {
  const meta = await readHeader(runDir, FEATURES_FILE, featuresMetaSchema);
  if (!meta) return undefined;
  const half = await readSized(runDir, FEATURES_BIN, meta.rows * meta.dims * 2, FEATURES_FILE);
  const features = new Float32Array(meta.rows * meta.dims);
  for (let i = 0; i < features.length; i++) features[i] = fromHalf(half.getUint16(2 * i, true));
  const probs = float32FromLE(
    await readSized(runDir, PROBS_BIN, meta.rows * meta.clusters * 4, FEATURES_FILE),
  );
  return { meta, features, probs };
}
