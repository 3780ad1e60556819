/**
 * The lock file a trainer holds in a run folder while it trains the run (taken in
 * src/trainer/run/runLock.ts), read here too by every reader of run.json: a run that says
 * "running" while no live trainer holds its lock was left by a trainer that died, and nothing will
 * finish it (runStatus, the one place this is worked out).
 */
import { hostname } from 'node:os';
import type { RunStatus } from '../protocol/run.js';
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
    return Number.isInteger(h.pid) && typeof h.host === 'string' && typeof h.since === 'string'
      ? (h as LockHolder)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A holder that may still be training: alive here, or on another machine (which cannot be asked). */
export function mayBeTraining(h: LockHolder): boolean {
  return h.host !== hostname() || isAlive(h.pid);
}

/**
 * The status to show for a run whose run.json says `recorded`: "running" without a live trainer
 * holding the lock means its trainer died (killed, or with its window), so the run is interrupted
 * and can be resumed. Derived, never written: the trainer that resumes the run writes its status.
 */
export async function runStatus(runDir: string, recorded: RunStatus): Promise<RunStatus> {
  if (recorded !== 'running') return recorded;
  const holder = await lockHolder(runDir);
  return holder && mayBeTraining(holder) ? 'running' : 'interrupted';
}
