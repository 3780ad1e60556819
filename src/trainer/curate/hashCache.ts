/**
 * Image hashes kept between calls, beside the decoded-pixel caches (cache.ts): one JSON file per
 * image folder, each entry valid while the file keeps its byte size and mtime. Replaced atomically,
 * so a crash leaves the old cache, and a cache that does not parse is ignored (everything is hashed again).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../../common/atomicFile.js';
import type { ImageHashes } from './imageHash.js';

// 2: the dHash is area-averaged (JS for small PNGs), so version 1's hashes are not comparable.
const FORMAT = 'clusterlab-hashes-2';

export interface HashEntry extends ImageHashes {
  size: number;
  mtimeMs: number;
}

interface CacheFile {
  format: string;
  root: string;
  /** path -> [size, mtimeMs, sha256, dhash | null] */
  files: Record<string, [number, number, string, string | null]>;
}

export function hashCacheFile(cacheDir: string, root: string): string {
  return join(cacheDir, `hashes-${createHash('sha256').update(root).digest('hex').slice(0, 16)}.json`);
}

/** Path (relative to root) -> cached hashes; empty when there is no usable cache. */
export async function readHashCache(file: string, root: string): Promise<Map<string, HashEntry>> {
  const out = new Map<string, HashEntry>();
  let parsed: CacheFile;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8')) as CacheFile;
  } catch {
    return out;
  }
  if (
    parsed?.format !== FORMAT ||
    parsed.root !== root ||
    typeof parsed.files !== 'object' ||
    parsed.files === null
  )
    return out;
  for (const [path, e] of Object.entries(parsed.files)) {
    if (!Array.isArray(e) || typeof e[0] !== 'number' || typeof e[1] !== 'number' || typeof e[2] !== 'string')
      continue;
    out.set(path, {
      size: e[0],
      mtimeMs: e[1],
      sha256: e[2],
      dhash: typeof e[3] === 'string' ? e[3] : undefined,
    });
  }
  return out;
}

export async function writeHashCache(
  file: string,
  root: string,
  entries: ReadonlyMap<string, HashEntry>,
): Promise<void> {
  const files: CacheFile['files'] = {};
  for (const [path, e] of entries) files[path] = [e.size, e.mtimeMs, e.sha256, e.dhash ?? null];
  await mkdir(dirname(file), { recursive: true });
  // Compact: 70,000 entries pretty-printed would be several times the size.
  await writeFileAtomic(file, JSON.stringify({ format: FORMAT, root, files } satisfies CacheFile), {
    durable: false,
  });
}
