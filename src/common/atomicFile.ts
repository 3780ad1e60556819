/**
 * Crash-safe file writes shared by the trainer and the extension: a reader (or a resumed run)
 * sees either the previous complete file or the new complete file, never a torn one.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces `path` with `data` atomically: writes a uniquely named temp file in the same directory
 * (rename is only atomic within one file system), fsyncs it, renames it over `path`, then fsyncs
 * the directory so the rename itself survives a power cut. On failure the temp file is removed
 * and `path` is untouched.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: { durable?: boolean } = {},
): Promise<void> {
  // durable: false skips both fsyncs, for caches that must never be torn but may be lost.
  const durable = options.durable ?? true;
  const dir = dirname(path);
  const tmp = tempPathFor(path);
  let handle: FileHandle | undefined;
  try {
    handle = await open(tmp, 'wx');
    await handle.writeFile(data);
    if (durable) await handle.sync();
    await handle.close();
    handle = undefined;
    await renameWithRetry(tmp, path);
  } catch (e) {
    await handle?.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw naming(e, `cannot write ${path}`);
  }
  if (durable) await syncDir(dir);
}

/**
 * Errors from a file handle (ENOSPC mid-write, say) do not say which file; the user needs to
 * know. Keeps `code` for callers that branch on it.
 */
function naming(e: unknown, what: string): unknown {
  if (!(e instanceof Error)) return e;
  return Object.assign(new Error(`${what}: ${e.message}`, { cause: e }), {
    code: (e as NodeJS.ErrnoException).code,
  });
}

/**
 * A temp file beside `path` for writing it whole before a rename. pid + random: concurrent writers
 * (two processes, or two calls in one) never share one, and removeStaleTemps knows whose it is.
 */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

const TEMP_NAME = /^\..+\.(\d+)\.[0-9a-f]{12}\.tmp$/;

/**
 * Removes the temp files in `dir` whose writer is gone (killed or crashed before its rename), so
 * a run that is killed and resumed again and again does not fill the disk; those of live
 * processes (another writer at work) are left alone. Returns the names removed.
 */
export async function removeStaleTemps(dir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(dir).catch(() => [])) {
    const pid = Number(TEMP_NAME.exec(name)?.[1] ?? NaN);
    if (!Number.isInteger(pid) || isAlive(pid)) continue;
    await unlink(join(dir, name)).catch(() => undefined);
    removed.push(name);
  }
  return removed;
}

/**
 * Whether process `pid` is running on this machine. A zombie (exited, not yet reaped by its
 * parent: a trainer whose window reloaded, until init gets to it) still answers kill(pid, 0) but
 * will never write again: on Linux its /proc state says so.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: it exists, as another user's process.
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !isZombie(pid);
}

/** The state letter follows the command name, which is in parentheses and may hold any character. */
function isZombie(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    // No /proc (macOS, Windows), or it went in between: kill's answer stands.
    return false;
  }
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state === 'Z' || state === 'X';
}

/** Pretty JSON with a trailing newline, written atomically. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const text = JSON.stringify(value, null, 2) as string | undefined;
  if (text === undefined) throw new TypeError(`cannot write ${String(value)} as JSON to ${path}`);
  await writeFileAtomic(path, text + '\n');
}

/**
 * Appends one line (a jsonl record) and fsyncs it. Appending is not atomic across a crash: a torn
 * last line is possible, so if the file does not end in a newline the new record starts on a
 * fresh line, keeping it parseable whatever came before. Rewriting the whole file each time would
 * be atomic but quadratic over a long run.
 */
export async function appendLine(path: string, line: string): Promise<void> {
  if (/[\r\n]/.test(line)) throw new RangeError('appendLine takes a single line (no line breaks)');
  const handle = await open(path, 'a+');
  try {
    const { size } = await handle.stat();
    let prefix = '';
    if (size > 0) {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) prefix = '\n';
    }
    await handle.write(prefix + line + '\n');
    // Data plus the size: what a reader needs to see the line after a crash.
    await handle.datasync();
  } catch (e) {
    throw naming(e, `cannot append to ${path}`);
  } finally {
    await handle.close();
  }
}

/**
 * On Windows a rename over a file fails (EPERM/EACCES/EBUSY) while another process, such as a
 * viewer or a virus scanner, has it open; that clears within moments, so retry briefly there.
 */
async function renameWithRetry(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await rename(from, to);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (
        process.platform !== 'win32' ||
        attempt >= 5 ||
        !(code === 'EPERM' || code === 'EACCES' || code === 'EBUSY')
      )
        throw e;
      await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
    }
  }
}

/** fsync of a directory makes a rename durable on POSIX; Windows cannot open directories, skip there. */
async function syncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // The data is already in place; only durability is best-effort where the platform refuses.
    if (!(
      code === 'EISDIR' ||
      code === 'EPERM' ||
      code === 'EACCES' ||
      code === 'EINVAL' ||
      code === 'ENOTSUP'
    ))
      throw e;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
