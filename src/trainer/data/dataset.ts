import * as tf from '@tensorflow/tfjs-core';
import { join } from 'node:path';
import {
  cacheFileName,
  openCache,
  writeCache,
  type CacheKey,
  type CacheRecord,
  type OpenCache,
} from './cache.js';
import {
  decodeMany,
  decoderSignature,
  defaultConcurrency,
  type DecodeFn,
  type DecodeOptions,
} from './decode.js';
import { byCodePoint, scanFolder, type ImageEntry, type Skipped } from './scan.js';
import { applyExclusions, exclusionNote, readExclusions } from '../../common/exclusions.js';
import { sameStamp } from '../../common/fileStamp.js';
import { CancelledError } from '../util/cancel.js';

export type { ImageEntry, Skipped } from './scan.js';

/** A folder of images decoded to S x S x C uint8, with folder labels. entries[i] is image i. */
export interface Dataset {
  root: string;
  entries: ImageEntry[];
  n: number;
  size: number;
  channels: 1 | 3;
  /** n * size * size * channels, NHWC. */
  pixels: Uint8Array;
  labels: Int32Array;
  superLabels: Int32Array;
  classes: string[];
  superClasses: string[];
  skipped: Skipped[];
  /** Notes about the folder as a whole (label levels ignored, cache not writable, ...). */
  warnings?: string[];
  /** What the dataset's exclusion list left out, in one line (undefined: it left out nothing). */
  exclusions?: string;
  ingest?: IngestStats;
}

export interface IngestStats {
  /** Images found by the scan (decodable or not). */
  found: number;
  /** Read from the pixel cache. */
  cached: number;
  /** Decoded in this call. */
  decoded: number;
  /** Failed, this call or remembered from an earlier one. */
  failed: number;
  cacheFile: string;
  cacheWritten: boolean;
  ms: number;
}

export interface LoadOptions {
  imageSize: number;
  channels: 1 | 3;
  cacheDir: string;
  /** Images done out of those found; called at most every 100 ms, and once at the end. */
  onProgress?: (done: number, total: number) => void;
  /** Cancels the ingest: decoding stops and loadDataset throws CancelledError (the cache is left as it was). */
  signal?: AbortSignal;
  /** Replaces the file decoder (tests count calls through it). */
  decode?: DecodeFn;
  concurrency?: number;
  background?: 'white' | 'black';
  limitInputPixels?: number;
}

/**
 * Scans `root`, decodes what the cache does not already hold (validated per file by relative path, byte
 * size and mtime), drops removed files, and rewrites the cache if anything changed. A cached load only
 * stats files. Images that fail to decode are in `skipped`, with the scan's own skips. Images on the
 * dataset's exclusion list (src/common/exclusions.ts) are left out as if absent.
 */
export async function loadDataset(root: string, opts: LoadOptions): Promise<Dataset> {
  const t0 = performance.now();
  const { imageSize: size, channels } = opts;
  if (!Number.isInteger(size) || size < 1)
    throw new Error(`imageSize must be a positive integer, got ${size}`);
  const scan = await scanFolder(root);
  // A damaged list stops the load here, before any decoding, with one line naming the file.
  const excluded = applyExclusions(scan.entries, (e) => e.path, await readExclusions(scan.root));
  if (opts.signal?.aborted) throw new CancelledError();
  const decodeOpts: DecodeOptions = {
    size,
    channels,
    background: opts.background,
    limitInputPixels: opts.limitInputPixels,
  };
  const key: CacheKey = { root: scan.root, size, channels, decoder: decoderSignature(decodeOpts) };
  const cacheFile = join(opts.cacheDir, cacheFileName(key));
  const warnings = [...scan.warnings];
  const per = size * size * channels;
  const entries = excluded.kept;
  const total = entries.length;

  let cache: OpenCache | undefined;
  try {
    cache = await openCache(cacheFile, key);
  } catch (e) {
    warnings.push(
      `pixel cache ${cacheFile} could not be read (${(e as Error).message}); decoding everything`,
    );
  }
  const known = new Map<string, CacheRecord>();
  for (const r of cache?.records ?? []) known.set(r.path, r);

  // Provisional slots for every image that is (or may be) decodable; failures leave holes compacted below.
  const slot = new Int32Array(total).fill(-1);
  const reason: (string | undefined)[] = new Array(total);
  const fromCache = new Int32Array(cache?.slots ?? 0).fill(-1);
  const todo: number[] = [];
  let slots = 0;
  let cached = 0;
  let failedBefore = 0;
  for (let i = 0; i < total; i++) {
    const e = entries[i]!;
    const r = known.get(e.path);
    const valid = sameStamp(r, e);
    if (valid && r.slot < 0) {
      reason[i] = r.reason ?? 'failed to decode';
      failedBefore++;
      continue;
    }
    slot[i] = slots++;
    if (valid) {
      fromCache[r.slot] = slot[i]!;
      cached++;
    } else todo.push(i);
  }

  let pixels = new Uint8Array(slots * per);
  if (cache) await cache.copySlots(fromCache, pixels);

  let done = cached + failedBefore;
  let lastReport = 0;
  const progress = (force: boolean): void => {
    const now = performance.now();
    if (opts.onProgress && (force || now - lastReport >= 100)) {
      lastReport = now;
      opts.onProgress(done, total);
    }
  };
  progress(false);
  let newFailures = 0;
  await decodeMany(
    todo.map((i) => entries[i]!),
    decodeOpts,
    (k, r) => {
      const i = todo[k]!;
      if (r.ok && r.pixels.length === per) pixels.set(r.pixels, slot[i]! * per);
      else {
        reason[i] = r.ok ? `decoder returned ${r.pixels.length} bytes, expected ${per}` : r.reason;
        newFailures++;
      }
      done++;
      progress(false);
    },
    opts.decode,
    opts.concurrency ?? defaultConcurrency(),
    opts.signal,
  );
  // Undecoded images would be cached as black ones: nothing of a cancelled ingest is kept.
  if (opts.signal?.aborted) throw new CancelledError();
  progress(true);

  // Compact: ok images take consecutive slots in entry order.
  const okIdx: number[] = [];
  const records: CacheRecord[] = [];
  for (let i = 0; i < total; i++) {
    const e = entries[i]!;
    if (reason[i] !== undefined) {
      records.push({ path: e.path, size: e.size, mtimeMs: e.mtimeMs, slot: -1, reason: reason[i]! });
      continue;
    }
    const j = okIdx.length;
    if (slot[i] !== j) pixels.copyWithin(j * per, slot[i]! * per, (slot[i]! + 1) * per);
    records.push({ path: e.path, size: e.size, mtimeMs: e.mtimeMs, slot: j });
    okIdx.push(i);
  }
  if (okIdx.length < slots) pixels = pixels.slice(0, okIdx.length * per);

  // Rewrite when something was decoded or a cached file disappeared.
  let cacheWritten = false;
  if (todo.length > 0 || known.size !== total) {
    try {
      await writeCache(cacheFile, key, records, pixels);
      cacheWritten = true;
    } catch (e) {
      warnings.push(`pixel cache not saved to ${cacheFile}: ${(e as Error).message}`);
    }
  }

  const skipped: Skipped[] = [...scan.skipped];
  for (let i = 0; i < total; i++)
    if (reason[i] !== undefined) skipped.push({ path: entries[i]!.path, reason: reason[i]! });
  skipped.sort((a, b) => byCodePoint(a.path, b.path));
  const okEntries = okIdx.map((i) => entries[i]!);
  return {
    root: scan.root,
    entries: okEntries,
    n: okEntries.length,
    size,
    channels,
    pixels,
    labels: Int32Array.from(okEntries, (e) => e.label),
    superLabels: Int32Array.from(okEntries, (e) => e.superLabel),
    classes: scan.classes,
    superClasses: scan.superClasses,
    skipped,
    warnings,
    exclusions: exclusionNote(scan.root, excluded),
    ingest: {
      found: total,
      cached,
      decoded: todo.length - newFailures,
      failed: failedBefore + newFailures,
      cacheFile,
      cacheWritten,
      ms: performance.now() - t0,
    },
  };
}

/** v / 255 for every byte value, in float32: the same values ToTensor gives. */
const TO_UNIT = Float32Array.from({ length: 256 }, (_, v) => v / 255);

/** Images `indices` of the dataset as a float32 NHWC batch in [0, 1], built in JS and uploaded once. */
export function toFloatBatch(ds: Dataset, indices: ArrayLike<number>): tf.Tensor4D {
  const per = ds.size * ds.size * ds.channels;
  const b = indices.length;
  const out = new Float32Array(b * per);
  const px = ds.pixels;
  for (let k = 0; k < b; k++) {
    const i = indices[k]!;
    if (!(i >= 0 && i < ds.n) || !Number.isInteger(i))
      throw new RangeError(`image index ${i} out of range [0, ${ds.n})`);
    const src = i * per;
    const dst = k * per;
    for (let j = 0; j < per; j++) out[dst + j] = TO_UNIT[px[src + j]!]!;
  }
  return tf.tensor4d(out, [b, ds.size, ds.size, ds.channels], 'float32');
}

/** Mean of every channel over the whole dataset, in [0, 1]: the colour a normalized zero stands for. */
export function channelMeans(ds: Dataset): number[] {
  const sums = new Float64Array(ds.channels);
  for (let j = 0; j < ds.pixels.length; j++) sums[j % ds.channels] += ds.pixels[j]!;
  return Array.from(sums, (s) => s / 255 / Math.max(ds.pixels.length / ds.channels, 1));
}
