/**
 * Gallery thumbnails: small webp files made with sharp and cached on disk under a key of the
 * source's path, size and mtime, so an edited image gets a new thumbnail and an unchanged one is
 * never decoded twice. The webview loads them by URL; it never reads a dataset file itself.
 */
import { createHash } from 'node:crypto';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { writeFileAtomic } from '../../common/atomicFile.js';

/** Twice the 64 px tile, so thumbnails stay sharp on high-density screens. */
export const THUMB_PX = 128;

export class ThumbnailCache {
  private readonly inFlight = new Map<string, Promise<string | undefined>>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  /** @param concurrency decodes at once: sharp is multi-threaded itself, and the machine is shared */
  constructor(
    readonly dir: string,
    private readonly concurrency = 2,
  ) {}

  /** The cached thumbnail of `source` (made now if missing), or undefined when it cannot be decoded. */
  async get(source: string): Promise<string | undefined> {
    let st;
    try {
      st = await stat(source);
    } catch {
      return undefined;
    }
    const key = createHash('sha1').update(`${source}\0${st.size}\0${st.mtimeMs}\0${THUMB_PX}`).digest('hex');
    // Two-level folders keep any one directory small with 70,000 images.
    const file = join(this.dir, key.slice(0, 2), `${key.slice(2, 24)}.webp`);
    let pending = this.inFlight.get(file);
    if (!pending) {
      pending = this.make(source, file).finally(() => this.inFlight.delete(file));
      this.inFlight.set(file, pending);
    }
    return pending;
  }

  private async make(source: string, file: string): Promise<string | undefined> {
    if (
      await stat(file).then(
        () => true,
        () => false,
      )
    )
      return file;
    await this.acquire();
    try {
      const data = await sharp(source, { limitInputPixels: 1e8 })
        .rotate()
        .resize(THUMB_PX, THUMB_PX, { fit: 'inside', withoutEnlargement: false, kernel: 'lanczos3' })
        .webp({ quality: 80 })
        .toBuffer();
      await mkdir(join(file, '..'), { recursive: true });
      await writeFileAtomic(file, data, { durable: false });
      return file;
    } catch {
      return undefined;
    } finally {
      this.release();
    }
  }

  private async acquire(): Promise<void> {
    if (this.running < this.concurrency) {
      this.running++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}
