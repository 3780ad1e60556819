// The embedding cache: one folder per (model content hash, preprocessing) under the --cache folder,
// shared by every run, the map and assign. Rows are float16, appended as they are computed, so a
// cancelled or killed embedding continues where it stopped, and a folder that gained images only
// computes their rows. Images are keyed by absolute path, byte size and mtime.
//
//   meta.json    {format, version, model, modelSha256, preprocessing, dim}: written once, atomically
//   rows.f16     little-endian float16 rows of dim values, appended
//   index.jsonl  one [abs path, size, mtimeMs, row] per computed image, appended after its row
import { createHash } from 'node:crypto';
import { appendFile, mkdir, open, readFile, rm, stat, truncate, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from '../../common/atomicFile.js';
import { fromHalf, toHalf } from '../../common/features.js';
import { toLittleEndian } from '../../common/runBinary.js';
import { sameStamp } from '../../common/fileStamp.js';
import { lockRun } from '../run/runLock.js';
import type { Preprocessing } from './sidecar.js';

export interface CachedImage {
  abs: string;
  size: number;
  mtimeMs: number;
}

interface Meta {
  format: 'clusterlab-embeddings';
  version: 1;
  model: string;
  modelSha256: string;
  preprocessing: Preprocessing;
  dim: number;
}

export function embeddingCacheDir(cacheDir: string, modelSha256: string, prep: Preprocessing): string {
  const key = createHash('sha256')
    .update(JSON.stringify([modelSha256, prep]))
    .digest('hex');
  return join(cacheDir, 'embeddings', key.slice(0, 24));
}

export class EmbeddingCache {
  private rows = new Map<string, { size: number; mtimeMs: number; row: number }>();
  private stored = 0;
  private out?: FileHandle;
  private constructor(
    readonly dir: string,
    private meta: Omit<Meta, 'dim'> & { dim?: number },
    private readonly release?: () => Promise<void>,
  ) {}

  /**
   * Opens (or starts) the cache for this model and preprocessing. `writable` false when another
   * process holds it (it is embedding the same model): then nothing is written, only read.
   */
  static async open(
    cacheDir: string,
    model: string,
    modelSha256: string,
    prep: Preprocessing,
  ): Promise<{ cache: EmbeddingCache; writable: boolean }> {
    const dir = embeddingCacheDir(cacheDir, modelSha256, prep);
    await mkdir(dir, { recursive: true });
    let release: (() => Promise<void>) | undefined;
    try {
      release = await lockRun(dir);
    } catch {
      release = undefined;
    }
    const cache = new EmbeddingCache(
      dir,
      { format: 'clusterlab-embeddings', version: 1, model, modelSha256, preprocessing: prep },
      release,
    );
    await cache.load(release !== undefined);
    return { cache, writable: release !== undefined };
  }

  get dim(): number | undefined {
    return this.meta.dim;
  }

  private async load(writable: boolean): Promise<void> {
    let meta: Meta | undefined;
    try {
      meta = JSON.parse(await readFile(join(this.dir, 'meta.json'), 'utf8')) as Meta;
    } catch {
      meta = undefined;
    }
    if (!meta || meta.modelSha256 !== this.meta.modelSha256 || !Number.isInteger(meta.dim) || meta.dim < 1) {
      // New, or not ours: start over (the folder name is the key, so this is a damaged cache).
      if (writable)
        for (const f of ['meta.json', 'rows.f16', 'index.jsonl'])
          await rm(join(this.dir, f), { force: true });
      return;
    }
    this.meta.dim = meta.dim;
    const rowBytes = meta.dim * 2;
    const bytes = await stat(join(this.dir, 'rows.f16')).then(
      (st) => st.size,
      () => 0,
    );
    this.stored = Math.floor(bytes / rowBytes);
    // A row cut short by a kill: dropped, so the next append starts on a row boundary.
    if (writable && bytes !== this.stored * rowBytes)
      await truncate(join(this.dir, 'rows.f16'), this.stored * rowBytes);
    const text = await readFile(join(this.dir, 'index.jsonl'), 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      let rec: unknown;
      try {
        rec = JSON.parse(line);
      } catch {
        continue; // the last line, cut short by a kill
      }
      if (!Array.isArray(rec) || rec.length !== 4) continue;
      const [abs, size, mtimeMs, row] = rec as [string, number, number, number];
      if (typeof abs === 'string' && Number.isInteger(row) && row >= 0 && row < this.stored)
        this.rows.set(abs, { size, mtimeMs, row });
    }
  }

  /** The cached row of each image (-1: not cached, or the file changed since). */
  lookup(images: readonly CachedImage[]): Int32Array {
    const out = new Int32Array(images.length).fill(-1);
    images.forEach((im, i) => {
      const r = this.rows.get(im.abs);
      if (sameStamp(r, im)) out[i] = r.row;
    });
    return out;
  }

  /** Copies cached rows into `dest` (n x dim): dest row i <- cached row rows[i], where rows[i] >= 0. */
  async read(rows: Int32Array, dest: Float32Array): Promise<void> {
    const dim = this.meta.dim;
    if (dim === undefined) return;
    const order = [...rows.keys()].filter((i) => rows[i]! >= 0).sort((a, b) => rows[a]! - rows[b]!);
    if (order.length === 0) return;
    const fh = await open(join(this.dir, 'rows.f16'), 'r');
    try {
      const rowBytes = dim * 2;
      // Runs of consecutive rows are one read each (a folder embedded in one go is one run).
      for (let a = 0; a < order.length;) {
        let b = a + 1;
        while (b < order.length && rows[order[b]!]! === rows[order[b - 1]!]! + 1 && b - a < 4096) b++;
        const buf = Buffer.alloc((b - a) * rowBytes);
        await fh.read(buf, 0, buf.length, rows[order[a]!]! * rowBytes);
        for (let k = a; k < b; k++) {
          const o = (k - a) * rowBytes;
          const d = order[k]! * dim;
          for (let j = 0; j < dim; j++) dest[d + j] = fromHalf(buf.readUInt16LE(o + 2 * j));
        }
        a = b;
      }
    } finally {
      await fh.close();
    }
  }

  /** Appends computed rows (rows x dim) for `images`; the index lines follow the rows, so a kill between leaves only an orphan row. */
  async append(images: readonly CachedImage[], data: Float32Array, dim: number): Promise<void> {
    if (this.meta.dim === undefined) {
      this.meta.dim = dim;
      await writeJsonAtomic(join(this.dir, 'meta.json'), this.meta);
    } else if (this.meta.dim !== dim)
      throw new Error(`the model gave ${dim} values per image, its cache ${this.dir} holds ${this.meta.dim}`);
    this.out ??= await open(join(this.dir, 'rows.f16'), 'a');
    const half = new Uint16Array(data.length);
    for (let i = 0; i < data.length; i++) half[i] = toHalf(data[i]!);
    await this.out.write(toLittleEndian(half));
    const lines =
      images.map((im, i) => JSON.stringify([im.abs, im.size, im.mtimeMs, this.stored + i])).join('\n') + '\n';
    await appendFile(join(this.dir, 'index.jsonl'), lines);
    images.forEach((im, i) =>
      this.rows.set(im.abs, { size: im.size, mtimeMs: im.mtimeMs, row: this.stored + i }),
    );
    this.stored += images.length;
  }

  async close(): Promise<void> {
    await this.out?.close();
    this.out = undefined;
    await this.release?.();
  }
}
