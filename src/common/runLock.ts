/**
 * The lock file a trainer holds in a run folder while it trains the run (taken in
 * src/trainer/run/runLock.ts), read here too by the extension: a run that says "running" while no
 * live trainer holds its lock was left by a trainer that died, and nothing will finish it.
 */
import { hostname } from 'node:os';
import { isAlive } from './atomicFile.js';
import { readRunText } from './runFileRead.js';

export const LOCK_FILE = 'trainer.lock';

export interface LockHolder {
  pid: number;
  host: string;
  since: string;
}

/** The lock's holder as the file names it; undefined when there is no lock or it is not one of ours. */
export async function lockHolder(runDir: string): Promise<LockHolder | undefined> {
  try {
    const h = JSON.parse((await readRunText(runDir, LOCK_FILE)) ?? '') as Partial<LockHolder>;
    return Number.isInteger(h.pid) && typeof h.host === 'string' && typeof h.since === 'string' ? (h as LockHolder) : undefined;
  } catch {
    return undefined;
  }
}

/** A holder that may still be training: alive here, or on another machine (which cannot be asked). */
export function mayBeTraining(h: LockHolder): boolean {
  return h.host !== hostname() || isAlive(h.pid);
}
