/**
 * One trainer per run folder. Two VS Code windows on one workspace have a trainer each, and a
 * command-line run may sit beside them: two of them training one run would interleave its
 * checkpoints and metrics. The lock (src/common/runLock.ts) is written whole and then linked into
 * place (a link fails, atomically, when the name exists). A holder that is gone (killed: the case
 * --resume is for) is taken over.
 */
import { hostname } from 'node:os';
import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempPathFor, writeFileAtomic } from '../../common/atomicFile.js';
import { LOCK_FILE, lockHolder, mayBeTraining, type LockHolder } from '../../common/runLock.js';
import { ConfigError } from './config.js';

/**
 * A start refused because another trainer holds the run: nothing of the run was read or written,
 * so a sweep waits for that trainer and judges the run again instead of counting it failed.
 */
export class RunLockedError extends ConfigError {
  override name = 'RunLockedError';
}

/** Takes the run folder's lock; resolves to its release. Refuses, naming the holder, while another live trainer has it. */
export async function lockRun(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, LOCK_FILE);
  const me: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  const mine = async () => (await lockHolder(dir))?.pid === me.pid;
  // Only our own lock: never one a later trainer took over.
  const release = async () => void ((await mine()) && (await unlink(path).catch(() => undefined)));
  const staged = tempPathFor(path);
  await writeFileAtomic(staged, JSON.stringify(me) + '\n');
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      // Two trainers taking over one dead holder at once: the later one's unlink may remove the
      // earlier one's fresh link, so the file is read back to see who holds it.
      if ((await linked(staged, path)) && (await mine())) return release;
      const held = await lockHolder(dir);
      if (held && mayBeTraining(held)) {
        const where = held.host === me.host ? 'on this machine' : `on ${held.host}`;
        throw new RunLockedError(
          `${dir} is being trained by process ${held.pid} ${where} since ${held.since}; if that process is gone, delete ${path}`,
        );
      }
      // Its holder died without letting go (or the file is not one of ours): take it over.
      if (attempt === 0) await unlink(path).catch(() => undefined);
    }
    throw new RunLockedError(`${dir}: another trainer took over its lock at the same moment; try again`);
  } finally {
    await unlink(staged).catch(() => undefined);
  }
}

/** Links `from` as `to`; false when `to` exists. */
async function linked(from: string, to: string): Promise<boolean> {
  try {
    await link(from, to);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // No hard links on this file system (FAT, exFAT): an exclusive create instead.
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP')
      return created(to, await readFile(from));
    throw e;
  }
}

async function created(path: string, data: Buffer): Promise<boolean> {
  try {
    await writeFile(path, data, { flag: 'wx' });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}
