// Real image files for the data tests, made with sharp (not mocks): every decode test reads files from disk.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after } from 'node:test';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

export async function makeTmp(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `clusterlab-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A maker of temporary folders that are all removed after the test file. */
export function tmpFolders(): (prefix: string) => Promise<string> {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanups) await c();
  });
  return async (prefix) => {
    const t = await makeTmp(prefix);
    cleanups.push(t.cleanup);
    return t.dir;
  };
}

export async function put(root: string, rel: string, data: Uint8Array | string): Promise<string> {
  const p = join(root, rel);
  await mkdir(dirname(p), { recursive: true });
  await writeFile(p, data);
  return p;
}

type Rgb = [number, number, number];

export function solid(
  w: number,
  h: number,
  rgb: Rgb,
  fmt: 'png' | 'jpeg' | 'webp' | 'tiff' | 'gif' = 'png',
): Promise<Buffer> {
  const img = sharp({
    create: { width: w, height: h, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } },
  });
  return img.toFormat(fmt).toBuffer();
}

/** Interleaved raw pixels -> PNG (8-bit) via sharp; channels 1 and 2 stay grey(+alpha). */
export function rawToPng(
  data: Uint8Array,
  w: number,
  h: number,
  channels: 1 | 2 | 3 | 4,
  opts: { adaptiveFiltering?: boolean } = {},
): Promise<Buffer> {
  let img = sharp(Buffer.from(data), { raw: { width: w, height: h, channels } });
  if (channels <= 2) img = img.toColourspace('b-w');
  return img.png({ adaptiveFiltering: opts.adaptiveFiltering ?? false }).toBuffer();
}

/** Vertical bands: columns [0, a) left colour, [a, b) middle, [b, w) right. */
export function bands(
  w: number,
  h: number,
  a: number,
  b: number,
  left: Rgb,
  mid: Rgb,
  right: Rgb,
): Uint8Array {
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) out.set(x < a ? left : x < b ? mid : right, (y * w + x) * 3);
  }
  return out;
}

/** Deterministic pseudo-random bytes (xorshift). */
export function noise(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = s & 0xff;
  }
  return out;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td) >>> 0);
  return Buffer.concat([len, td, crc]);
}

/** A valid-looking PNG whose header claims w x h RGB pixels but whose data is tiny: a decompression bomb stand-in. */
export function bombPng(w: number, h: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(1024))),
    chunk('IEND', new Uint8Array(0)),
  ]);
}
