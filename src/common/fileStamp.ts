/**
 * A file's byte size and modification time: what every cache keyed by a file (decoded pixels,
 * embeddings, image hashes, a loaded model) checks to know its entry still stands for the file.
 */
import { stat } from 'node:fs/promises';

export interface FileStamp {
  size: number;
  mtimeMs: number;
}

/** Whether a cached entry was made from the file as it is now (same size, same mtime). */
export function sameStamp<T extends FileStamp>(cached: T | undefined, now: FileStamp): cached is T {
  return cached !== undefined && cached.size === now.size && cached.mtimeMs === now.mtimeMs;
}

/** One key for the files as they are now ('-' for one that is missing): it changes when any of them does. */
export async function stampsKey(files: readonly string[]): Promise<string> {
  const parts = await Promise.all(
    files.map((f) =>
      stat(f).then(
        (s) => `${s.size}:${s.mtimeMs}`,
        () => '-',
      ),
    ),
  );
  return parts.join('|');
}
