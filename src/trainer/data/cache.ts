import { createHash } from 'node:crypto';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { removeStaleTemps, tempPathFor } from '../../common/atomicFile.js';

/**
 * On-disk cache of decoded pixels, one file per (absolute root, size, channels, decoder settings):
 *
 *   "CLPIXEL1" | uint32 LE header length | header JSON (utf8) | pixels of the decoded files, in slot order
 *
 * The header lists every image file seen, with the byte size and mtime it had when decoded, and either
 * its slot in the pixel block or why it failed to decode (so a broken file is not retried on every run).
 * One file, replaced by rename, so a reader sees the old cache or the new one, never a mix.
 */

const MAGIC = Buffer.from('CLPIXEL1', 'latin1');
const VERSION = 1;
/** Single read/write calls stay below Node's 2 GiB per-call limit. */
const IO_CHUNK = 1 << 30;

export interface CacheKey {
  root: string;
  size: number;
  channels: 1 | 3;
  decoder: string;
}

export interface CacheRecord {
  path: string;
  size: number;
  mtimeMs: number;
  /** Slot in the pixel block, or -1 when the file failed to decode. */
  slot: number;
  reason?: string;
}

interface Header extends CacheKey {
  version: number;
  slots: number;
  /** [path, size, mtimeMs, slot | failure reason] */
  files: [string, number, number, number | string][];
}

export interface OpenCache {
  records: CacheRecord[];
  slots: number;
  /** Copies stored slot s to dest slot map[s] (skipped when map[s] < 0), then closes the file. */
  copySlots(map: Int32Array, dest: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

export function cacheFileName(key: CacheKey): string {
  const h = createHash('sha256')
    .update(JSON.stringify([key.root, key.size, key.channels, key.decoder]))
    .digest('hex');
  return `pixels-${key.size}x${key.size}x${key.channels}-${h.slice(0, 16)}.bin`;
}

/** The cache for `key`, or undefined if there is none or it does not match/parse (then it is rebuilt). */
export async function openCache(file: string, key: CacheKey): Promise<OpenCache | undefined> {
  let fh: FileHandle;
  try {
    fh = await open(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const size = (await fh.stat()).size;
    const pre = Buffer.alloc(12);
    await readFully(fh, pre, 0);
    if (!pre.subarray(0, 8).equals(MAGIC)) throw new Error('not a pixel cache');
    const hlen = pre.readUInt32LE(8);
    if (12 + hlen > size) throw new Error('truncated header');
    const hbuf = Buffer.alloc(hlen);
    await readFully(fh, hbuf, 12);
    const h = JSON.parse(hbuf.toString('utf8')) as Header;
    const per = key.size * key.size * key.channels;
    const dataOffset = 12 + hlen;
    if (
      h.version !== VERSION ||
      h.root !== key.root ||
      h.size !== key.size ||
      h.channels !== key.channels ||
      h.decoder !== key.decoder ||
      size !== dataOffset + h.slots * per
    ) {
      await fh.close();
      return undefined;
    }
    const records: CacheRecord[] = h.files.map(([path, sz, mtimeMs, s]) =>
      typeof s === 'number'
        ? { path, size: sz, mtimeMs, slot: s }
        : { path, size: sz, mtimeMs, slot: -1, reason: s },
    );
    return {
      records,
      slots: h.slots,
      copySlots: async (map, dest) => {
        try {
          await copyRuns(fh, dataOffset, per, map, dest);
        } finally {
          await fh.close();
        }
      },
      close: () => fh.close(),
    };
  } catch (e) {
    await fh.close();
    if (e instanceof SyntaxError || (e instanceof Error && /pixel cache|truncated/.test(e.message)))
      return undefined;
    throw e;
  }
}

/** Reads runs of consecutive slots that stay consecutive straight into place: one read when nothing moved. */
async function copyRuns(
  fh: FileHandle,
  dataOffset: number,
  per: number,
  map: Int32Array,
  dest: Uint8Array,
): Promise<void> {
  let s = 0;
  while (s < map.length) {
    if (map[s]! < 0) {
      s++;
      continue;
    }
    let e = s + 1;
    while (e < map.length && map[e] === map[e - 1]! + 1) e++;
    const target = map[s]! * per;
    await readFully(fh, dest.subarray(target, target + (e - s) * per), dataOffset + s * per);
    s = e;
  }
}

async function readFully(fh: FileHandle, dest: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < dest.length) {
    const n = Math.min(IO_CHUNK, dest.length - done);
    const { bytesRead } = await fh.read(dest, done, n, position + done);
    if (bytesRead === 0) throw new Error('truncated pixel cache');
    done += bytesRead;
  }
}

/**
 * Writes the cache atomically: a temp file in the same folder, fsync'ed, renamed over the old one.
 * `pixels` holds exactly the slots the records point to.
 */
export async function writeCache(
  file: string,
  key: CacheKey,
  records: readonly CacheRecord[],
  pixels: Uint8Array,
): Promise<void> {
  const per = key.size * key.size * key.channels;
  const slots = pixels.length / per;
  const header: Header = {
    version: VERSION,
    ...key,
    slots,
    files: records.map((r) => [r.path, r.size, r.mtimeMs, r.slot >= 0 ? r.slot : (r.reason ?? 'failed')]),
  };
  const hbuf = Buffer.from(JSON.stringify(header), 'utf8');
  const pre = Buffer.alloc(12);
  MAGIC.copy(pre);
  pre.writeUInt32LE(hbuf.length, 8);

  await mkdir(dirname(file), { recursive: true });
  // A process killed mid-write leaves a temp as big as the cache; other ingests' live ones stay.
  await removeStaleTemps(dirname(file));
  const tmp = tempPathFor(file);
  const fh = await open(tmp, 'w');
  try {
    await writeFully(fh, pre);
    await writeFully(fh, hbuf);
    await writeFully(fh, pixels);
    await fh.sync();
    await fh.close();
    await rename(tmp, file);
  } catch (e) {
    await fh.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw e;
  }
  // Make the rename itself durable; not every platform lets a folder be opened for that.
  try {
    const dir = await open(dirname(file), 'r');
    await dir.sync().finally(() => dir.close());
  } catch {
    /* best effort */
  }
}

async function writeFully(fh: FileHandle, data: Uint8Array): Promise<void> {
  for (let off = 0; off < data.length;) {
    const { bytesWritten } = await fh.write(data, off, Math.min(IO_CHUNK, data.length - off));
    off += bytesWritten;
  }
}
