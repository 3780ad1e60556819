/**
 * The one way a run folder's files are read, by the trainer, the command line and the extension
 * host alike. Run folders travel (committed, shared, downloaded), so a file is untrusted: it must
 * be a regular file (not /dev/zero, a FIFO or a folder), stay inside its folder when it is a
 * symlink, and be no bigger than its kind ever is; a binary must have exactly the size its header
 * says. All of it is checked before a byte is read, and the read stops at what was checked.
 */
import { constants } from 'node:fs';
import { lstat, open, realpath } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, sep } from 'node:path';

const MB = 1024 * 1024;

/**
 * The largest each text file of a run folder can honestly be. Sized for runs of about a million
 * images: the per-image files (assignments.csv, labels.json's moves) at a few hundred bytes per
 * image, the lists run.json and summary.json may carry (skipped files) likewise.
 */
const TEXT_CAPS: Record<string, number> = {
  'run.json': 64 * MB,
  'summary.json': 64 * MB,
  'labels.json': 256 * MB,
  'assignments.csv': 384 * MB,
  'metrics.jsonl': 64 * MB,
  'name.json': 64 * 1024,
  'trainer.lock': 64 * 1024,
  'features.json': 64 * 1024,
  'layout.json': 64 * 1024,
  'manifest.json': 16 * MB,
};
const OTHER_TEXT_CAP = MB;
/** features.f16 of a million images at 1024 dims is 2 GiB; a Buffer holds at most 4 GiB here. */
export const MAX_BINARY_BYTES = 2 * 1024 * MB;

/** How a run file must be: text up to a cap, or a binary of exactly `bytes` (as `header` says). */
export type Expect = { cap: number } | { bytes: number; header: string };

export function textCapOf(file: string): number {
  return TEXT_CAPS[basename(file)] ?? OTHER_TEXT_CAP;
}

/** A file's text, or undefined when it does not exist. `file` is relative to `folder`. */
export async function readRunText(
  folder: string,
  file: string,
  cap = textCapOf(file),
): Promise<string | undefined> {
  return (await readRunFile(folder, file, { cap }))?.toString('utf8');
}

/** A binary of exactly `bytes` (as `header` says), or undefined when it does not exist. */
export async function readRunBinary(
  folder: string,
  file: string,
  bytes: number,
  header: string,
): Promise<Buffer | undefined> {
  return readRunFile(folder, file, { bytes, header });
}

export async function readRunFile(folder: string, file: string, expect: Expect): Promise<Buffer | undefined> {
  const path = join(folder, file);
  let link;
  try {
    link = await lstat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  if (link.isSymbolicLink()) await assertInside(folder, path);
  else if (!link.isFile()) throw new Error(RUN_WORDS.notRegular(path, kindOf(link)));
  return readChecked(path, expect);
}

/** How a refusal is worded: a run file's, or another kind's (an experiment file's). */
export interface RefusalWords {
  notRegular(path: string, kind: string): string;
  tooBig(path: string, size: number, cap: number): string;
}

const RUN_WORDS: RefusalWords = {
  notRegular: (path, kind) => `${path} is ${kind}, not a regular file: refused`,
  tooBig: (path, size, cap) =>
    `${path} is ${mb(size)}, more than a run's ${basename(path)} can be (${mb(cap)}): refused`,
};

/**
 * The one reader of an untrusted file: `path` must be a regular file within `expect`, checked on
 * the opened handle (a file swapped since an earlier check is caught), and the read stops at the
 * size that was checked, however the file grows.
 */
export async function readChecked(path: string, expect: Expect, words = RUN_WORDS): Promise<Buffer> {
  // O_NONBLOCK: should the file be a FIFO (or be swapped for one since a check), open must not hang on it.
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new Error(words.notRegular(path, kindOf(st)));
    const size = st.size;
    if ('bytes' in expect) {
      if (size !== expect.bytes)
        throw new Error(`${path} has ${size} bytes, ${expect.header} says ${expect.bytes}`);
      // A sparse file can be made any size: one beyond any real run's is not read either.
      if (size > MAX_BINARY_BYTES)
        throw new Error(
          `${path} is ${mb(size)}, more than a run file can be (${mb(MAX_BINARY_BYTES)}): refused`,
        );
    } else if (size > expect.cap) throw new Error(words.tooBig(path, size, expect.cap));
    const buf = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const { bytesRead } = await handle.read(buf, got, size - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    if ('bytes' in expect && got !== size)
      throw new Error(
        `${path} shrank to ${got} bytes while it was read (${expect.header} says ${expect.bytes})`,
      );
    return got === size ? buf : buf.subarray(0, got);
  } finally {
    await handle.close();
  }
}

/** A symlink may point elsewhere in its folder (a copied run's layout), never out of it. */
async function assertInside(folder: string, path: string): Promise<void> {
  let target: string;
  try {
    target = await realpath(path);
  } catch (e) {
    throw new Error(
      `${path} is a symlink that leads nowhere (${(e as NodeJS.ErrnoException).code ?? 'unresolvable'}): refused`,
      { cause: e },
    );
  }
  const rel = relative(await realpath(folder), target);
  if (rel === '' || rel === '..' || rel.startsWith('..' + sep) || isAbsolute(rel))
    throw new Error(`${path} is a symlink to ${target}, outside ${folder}: refused`);
}

function kindOf(s: {
  isDirectory(): boolean;
  isFIFO(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isSocket(): boolean;
}): string {
  if (s.isDirectory()) return 'a folder';
  if (s.isFIFO()) return 'a FIFO';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isSocket()) return 'a socket';
  return 'not a file';
}

function mb(bytes: number): string {
  return bytes >= MB ? `${(bytes / MB).toFixed(bytes >= 10 * MB ? 0 : 1)} MB` : `${bytes} bytes`;
}
