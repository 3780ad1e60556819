import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import sharp from 'sharp';
import { describeFsError } from './fsError.js';
import { decodeSimplePng, flattenAlpha } from './png.js';
import { convertChannels, coverResize } from './resample.js';

/**
 * One image file -> S x S x C uint8, via sharp (libvips).
 *
 * Geometry: the shorter side is scaled to S and the longer one centre-cropped (torchvision's
 * Resize(S) + CenterCrop(S), what the clustering repos use for non-square data), Lanczos-3.
 * Colour: EXIF orientation applied; alpha flattened onto a fixed background (white by default, for every
 * image alike); 16-bit, palette, CMYK and grey inputs end as 8-bit sRGB; grayscale output is ITU-R 601
 * luma (PIL's "L"). Animated GIF/WebP and multi-page TIFF: first frame/page.
 * A file that cannot be decoded gives a reason, never an exception.
 */

export interface DecodeOptions {
  size: number;
  channels: 1 | 3;
  /** Refuse images with more pixels than this, from the header, before decoding (decompression bombs). */
  limitInputPixels?: number;
  background?: 'white' | 'black';
}

export type DecodeResult = { ok: true; pixels: Uint8Array } | { ok: false; reason: string };

export type DecodeFn = (abs: string, opts: DecodeOptions) => Promise<DecodeResult>;

/** sharp's own default: 0x3FFF * 0x3FFF, about 268 MP. */
export const DEFAULT_PIXEL_LIMIT = 0x3fff * 0x3fff;

/** Everything that changes decoded bytes: part of the cache key, so changing any of it re-decodes. */
export function decoderSignature(opts: DecodeOptions): string {
  const limit = opts.limitInputPixels ?? DEFAULT_PIXEL_LIMIT;
  return `cover-lanczos3;bg=${opts.background ?? 'white'};limit=${limit};sharp=${sharp.versions.sharp};vips=${sharp.versions.vips}`;
}

/** Width and height from the first bytes of PNG, GIF and JPEG files; undefined for anything else. */
export function sniffSize(
  b: Uint8Array,
): { w: number; h: number; format: 'png' | 'gif' | 'jpeg' } | undefined {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.length >= 24 && dv.getUint32(0) === 0x89504e47 && dv.getUint32(12) === 0x49484452) {
    return { w: dv.getUint32(16), h: dv.getUint32(20), format: 'png' };
  }
  if (b.length >= 10 && b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46) {
    return { w: dv.getUint16(6, true), h: dv.getUint16(8, true), format: 'gif' };
  }
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) {
    // Walk the marker segments to the first start-of-frame (SOF0-15 except DHT C4, JPG C8, DAC CC).
    let p = 2;
    while (p + 9 < b.length) {
      if (b[p] !== 0xff) return undefined;
      const m = b[p + 1]!;
      if (m === 0xff) {
        p++;
        continue;
      }
      if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
        return { w: dv.getUint16(p + 7), h: dv.getUint16(p + 5), format: 'jpeg' };
      }
      if (m === 0xd8 || (m >= 0xd0 && m <= 0xd7) || m === 0x01) p += 2;
      else p += 2 + dv.getUint16(p + 2);
    }
  }
  return undefined;
}

const mp = (px: number): string => `${Math.round(px / 1e6)} MP`;

export async function decodeImage(abs: string, opts: DecodeOptions): Promise<DecodeResult> {
  let buf: Buffer;
  try {
    buf = await readFile(abs);
  } catch (e) {
    return { ok: false, reason: `unreadable file: ${describeFsError(e, 'removed after the folder scan')}` };
  }
  if (buf.length === 0) return { ok: false, reason: '0-byte file' };
  const limit = opts.limitInputPixels ?? DEFAULT_PIXEL_LIMIT;
  const dims = sniffSize(buf);
  if (dims && dims.w * dims.h > limit) return { ok: false, reason: pixelLimitReason(limit, dims.w, dims.h) };
  const inJs = dims !== undefined && resampleInJs(dims.w, dims.h, opts.size);
  if (dims?.format === 'png' && inJs) {
    const img = decodeSimplePng(buf, dims.w * dims.h);
    if (img) {
      const flat = flattenAlpha(img, opts.background === 'black' ? 0 : 255);
      return { ok: true, pixels: resizeAndConvert(flat.data, flat.width, flat.height, flat.channels, opts) };
    }
  }
  try {
    return { ok: true, pixels: await decodeBuffer(buf, opts, limit, inJs) };
  } catch (e) {
    return { ok: false, reason: await explainFailure(e, buf, limit) };
  }
}

async function decodeBuffer(
  buf: Buffer,
  opts: DecodeOptions,
  limit: number,
  inJs: boolean,
): Promise<Uint8Array> {
  const s = opts.size;
  const background = opts.background === 'black' ? { r: 0, g: 0, b: 0 } : { r: 255, g: 255, b: 255 };
  // 'error' rather than the stricter 'warning': recoverable oddities (extraneous bytes in a JPEG) are
  // common in real data sets and decode fine; truncation and corrupt data still fail.
  const img = sharp(buf, { failOn: 'error', limitInputPixels: limit, autoOrient: true });
  if (inJs) {
    // Small image: decode at native size and resample in JS (see resample.ts for why).
    const { data, info } = await img
      .flatten({ background })
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    return resizeAndConvert(data, info.width, info.height, info.channels, opts);
  }
  const { data, info } = await img
    .resize(s, s, { fit: 'cover', position: 'centre' })
    .flatten({ background })
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  if (info.width !== s || info.height !== s)
    throw new Error(`internal: resized to ${info.width}x${info.height}, expected ${s}x${s}`);
  return convertChannels(data, s * s, info.channels, opts.channels);
}

/**
 * Whether to resample in JS rather than in sharp: when there is nothing to resample, or the image is
 * small enough that sharp's ~0.6 ms resize set-up outweighs our single-threaded Lanczos (measured:
 * 64->32 px JS 0.4 ms vs sharp 1.6 ms; 128->96 px about even; 256->224 px sharp 5x faster).
 */
function resampleInJs(w: number, h: number, s: number): boolean {
  return w * h <= 96 * 96 || (w === s && h === s && s <= 256);
}

/** Resampling costs per channel, so it runs on whichever side of the channel conversion has fewer. */
function resizeAndConvert(
  data: Uint8Array,
  w: number,
  h: number,
  c: number,
  opts: DecodeOptions,
): Uint8Array {
  if (opts.channels < c)
    return coverResize(convertChannels(data, w * h, c, opts.channels), w, h, opts.channels, opts.size);
  return convertChannels(coverResize(data, w, h, c, opts.size), opts.size * opts.size, c, opts.channels);
}

function pixelLimitReason(limit: number, w?: number, h?: number): string {
  const dims = w !== undefined && h !== undefined ? ` (${w}x${h} = ${mp(w * h)})` : '';
  return `exceeds pixel limit ${mp(limit)}${dims}`;
}

function looksLikeText(b: Uint8Array): boolean {
  const n = Math.min(b.length, 512);
  for (let i = 0; i < n; i++) {
    const c = b[i]!;
    if (c < 9 || (c > 13 && c < 32 && c !== 27)) return false;
  }
  return true;
}

/** Turns a libvips error into a short reason a user can act on. */
async function explainFailure(e: unknown, buf: Buffer, limit: number): Promise<string> {
  const msg = e instanceof Error ? e.message : String(e);
  if (/exceeds pixel limit/i.test(msg)) {
    const meta = await sharp(buf, { limitInputPixels: false })
      .metadata()
      .catch(() => undefined);
    return pixelLimitReason(limit, meta?.width, meta?.height);
  }
  if (/unsupported image format/i.test(msg)) {
    return `not a decodable image: unsupported image format${looksLikeText(buf) ? ' (the file contains text)' : ''}`;
  }
  const detail = [
    ...new Set(
      msg
        .split('\n')
        .map((l) => l.replace(/^Input buffer (has|contains) /, '').trim())
        .filter(Boolean),
    ),
  ]
    .join('; ')
    .slice(0, 200);
  const dims = sniffSize(buf);
  if (dims?.format === 'png' && !hasPngEnd(buf)) return `truncated PNG (no IEND chunk): ${detail}`;
  if (dims?.format === 'jpeg' && !(buf[buf.length - 2] === 0xff && buf[buf.length - 1] === 0xd9)) {
    return `truncated JPEG (no end-of-image marker): ${detail}`;
  }
  if (/premature end|truncated|unexpected end|read error/i.test(msg))
    return `truncated or corrupt image data: ${detail}`;
  return `corrupt image: ${detail}`;
}

function hasPngEnd(b: Uint8Array): boolean {
  // IEND chunk type followed by its fixed CRC, at the very end (trailing bytes tolerated a little).
  const tail = Buffer.from(b.subarray(Math.max(0, b.length - 64)));
  return tail.includes(Buffer.from([0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]));
}

export interface DecodeJob {
  abs: string;
}

/** Jobs in flight: file reads and sharp run on libuv's pool (4 threads) and small PNGs on this thread; 16 measured best on 2 cores. */
export function defaultConcurrency(): number {
  return Math.min(32, Math.max(8, 8 * availableParallelism()));
}

/**
 * Decodes jobs concurrently, calling onResult(i, result) as each finishes (in completion order).
 * libvips' operation cache is turned off meanwhile: every image is seen once, so caching only costs.
 */
export async function decodeMany(
  jobs: readonly DecodeJob[],
  opts: DecodeOptions,
  onResult: (i: number, r: DecodeResult) => void,
  decode: DecodeFn = decodeImage,
  concurrency = defaultConcurrency(),
  signal?: AbortSignal,
): Promise<void> {
  cacheOff();
  let next = 0;
  const worker = async (): Promise<void> => {
    // A cancel stops the workers after the images they are at; the caller decides what that means.
    while (next < jobs.length && !signal?.aborted) {
      const i = next++;
      let r: DecodeResult;
      try {
        r = await decode(jobs[i]!.abs, opts);
      } catch (e) {
        // A custom decode function may throw; that file fails, the ingest goes on.
        r = { ok: false, reason: `decode failed: ${e instanceof Error ? e.message : String(e)}` };
      }
      onResult(i, r);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
  } finally {
    cacheRestore();
  }
}

// Reference-counted so overlapping ingests restore the user's settings only when the last one ends.
let cacheUsers = 0;
let savedCache: ReturnType<typeof sharp.cache> | undefined;

function cacheOff(): void {
  if (cacheUsers++ === 0) savedCache = sharp.cache();
  sharp.cache(false);
}

function cacheRestore(): void {
  if (--cacheUsers === 0 && savedCache) {
    sharp.cache({ memory: savedCache.memory.max, files: savedCache.files.max, items: savedCache.items.max });
  }
}
