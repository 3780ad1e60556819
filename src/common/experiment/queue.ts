/**
 * The sweep queue: an experiment's runs trained one after another (or a few at once), written
 * down in the runs folder (`<runs>/<experiment>.queue.json`, replaced atomically) so a window
 * reload or a killed trainer continues where it stopped. A run's state is its own run.json
 * (absent: queued), so a finished run is never trained again, whoever finished it.
 */
import { mkdir, readdir, rename, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { readRunText } from '../runFileRead.js';
import { readRunJson, RUN_JSON, RunJsonError } from '../runJson.js';
import { writeJsonAtomic } from '../atomicFile.js';
import { experimentRunDir, nameProblem } from '../runPlace.js';
import { lockHolder, mayBeTraining } from '../runLock.js';
import type { RunStatus } from '../../protocol/run.js';
import type { ExperimentRun } from './format.js';

export type SweepState = 'running' | 'cancelled' | 'finished';
/** damaged: the folder's run.json is there but does not read as one; the sweep leaves it alone. */
export type QueuedRunStatus = RunStatus | 'queued' | 'damaged';

export interface QueueFile {
  format: 'clusterlab-queue';
  version: 1;
  /** The experiment file, absolute. */
  experiment: string;
  name: string;
  state: SweepState;
  /** `dir` is written for people reading the file; the sweep recomputes it (runPlace.ts), never reads it. */
  runs: { entry: string; dir: string }[];
  updatedAt: string;
}

export const QUEUE_SUFFIX = '.queue.json';

export function queuePath(runsDir: string, experimentName: string): string {
  return join(runsDir, `${experimentName}${QUEUE_SUFFIX}`);
}

export function newQueue(
  file: string,
  name: string,
  runsDir: string,
  runs: readonly ExperimentRun[],
): QueueFile {
  return {
    format: 'clusterlab-queue',
    version: 1,
    experiment: file,
    name,
    state: 'running',
    runs: runs.map((r) => ({ entry: r.name, dir: experimentRunDir(runsDir, name, r.name) })),
    updatedAt: new Date().toISOString(),
  };
}

/** A queue of a sweep at maxRuns' ceiling is well under this; a bigger file is not a queue. */
const QUEUE_MAX_BYTES = 16 * 1024 * 1024;

/** A queue file read as untrusted input (regular file, capped); errors name the file and what is wrong. */
export async function readQueue(path: string): Promise<QueueFile> {
  let v: Partial<QueueFile>;
  try {
    const text = await readRunText(dirname(path), basename(path), QUEUE_MAX_BYTES);
    if (text === undefined) throw new Error('no such file');
    v = JSON.parse(text) as Partial<QueueFile>;
  } catch (e) {
    throw new Error(`cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  const ok =
    v?.format === 'clusterlab-queue' &&
    v.version === 1 &&
    typeof v.experiment === 'string' &&
    typeof v.name === 'string' &&
    ['running', 'cancelled', 'finished'].includes(v.state as string) &&
    Array.isArray(v.runs) &&
    v.runs.every((r) => typeof r?.entry === 'string' && typeof r.dir === 'string');
  if (!ok) throw new Error(`${path} is not a ClusterLab queue file`);
  const bad =
    nameProblem(v.name!, 'its experiment name') ??
    v.runs!.map((r) => nameProblem(r.entry, 'a run name')).find(Boolean);
  if (bad) throw new Error(`${path} is not a ClusterLab queue file: ${bad}`);
  return v as QueueFile;
}

/**
 * A queue file that is there but does not read as one is renamed to `<file>.damaged` (kept for the
 * user to look at, never overwritten); the line that says so, or undefined when there is nothing
 * to set aside.
 */
export async function setAsideDamagedQueue(path: string): Promise<string | undefined> {
  if (
    !(await stat(path).then(
      (s) => s.isFile(),
      () => false,
    ))
  )
    return undefined;
  const problem = await readQueue(path).then(
    () => undefined,
    (e: Error) => e.message,
  );
  if (!problem) return undefined;
  let aside = `${path}.damaged`;
  for (
    let n = 2;
    await stat(aside).then(
      () => true,
      () => false,
    );
    n++
  )
    aside = `${path}.damaged-${n}`;
  await rename(path, aside);
  return `${problem.replace(/^cannot read /, 'cannot read the queue file ')}: kept as ${aside}`;
}

/** Every readable queue file directly in the runs folders; a damaged one is left out, and `damaged` says why. */
export async function listQueues(
  runsDirs: readonly string[],
  damaged?: (path: string, problem: string) => void,
): Promise<{ path: string; queue: QueueFile }[]> {
  const out: { path: string; queue: QueueFile }[] = [];
  for (const dir of runsDirs) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names.filter((n) => n.endsWith(QUEUE_SUFFIX))) {
      const path = join(dir, name);
      const queue = await readQueue(path).catch((e: Error) => void damaged?.(path, e.message));
      if (queue) out.push({ path, queue });
    }
  }
  return out;
}

export function writeQueue(path: string, q: QueueFile): Promise<void> {
  return writeJsonAtomic(path, { ...q, updatedAt: new Date().toISOString() });
}

/**
 * A run folder's state for the queue: its run's status (runJson.ts: a run left running by a
 * trainer that died reads as interrupted, and resumes), queued when it has no run.json yet,
 * damaged (with why) when run.json is there but does not read as a run.
 */
export async function queuedStatus(dir: string): Promise<{ status: QueuedRunStatus; problem?: string }> {
  try {
    const run = await readRunJson(dir);
    return { status: run ? run.status : 'queued' };
  } catch (e) {
    const why = e instanceof RunJsonError ? e.problem : (e as Error).message;
    return { status: 'damaged', problem: `${join(dir, RUN_JSON)} is damaged (${why.split('\n')[0]})` };
  }
}

/**
 * How a run's start ended: its status, or held when it was refused untouched because another
 * trainer holds the run (one still writing its end, say): waited for, then judged again.
 */
export type DriverEnd = RunStatus | 'held';

/** How a sweep trains: in this process (CLI) or through the trainer server (VS Code). */
export interface SweepDriver {
  /** Trains a new run into `dir`; resolves with how it ended. */
  train(run: ExperimentRun, dir: string): Promise<DriverEnd>;
  /** Continues the run in `dir` from its checkpoint. */
  resume(dir: string): Promise<DriverEnd>;
  /** Asked before each run: true stops the sweep (the user cancelled it). */
  cancelled(): boolean;
  /** The process is going away (window reload): the sweep stops, still marked running, to continue later. */
  stopping?(): boolean;
  /** A run started, ended or was skipped. */
  changed?(entry: string, status: QueuedRunStatus): void;
  log?(line: string): void;
}

export interface SweepResult {
  state: SweepState;
  statuses: Record<string, QueuedRunStatus>;
}

/** A run killed under a sweep (interrupted) is resumed at most this often before it counts as failed. */
const RESUME_TRIES = 2;
/** How often a sweep looks whether the trainer holding one of its runs is gone. */
const HOLDER_POLL_MS = 500;

/**
 * Trains the queue's runs that are not finished (done or failed), one after another (one trainer
 * process trains one run at a time: a run takes the machine, and tfjs has one backend per
 * process), writing the queue's state when it changes. Ends finished, cancelled, or still running
 * when the driver is stopping (the next start goes on from there).
 *
 * A run another trainer on this machine holds is left for last, then waited for: after a window
 * reload the old window's trainer may still be alive for a few seconds (writing the run's status
 * on its way out); once it is gone, its run is judged again and resumed unless it is done. A run
 * held on another machine (which cannot be asked) is skipped.
 */
export async function runSweep(
  path: string,
  q: QueueFile,
  runs: readonly ExperimentRun[],
  driver: SweepDriver,
): Promise<SweepResult> {
  const byName = new Map(runs.map((r) => [r.name, r]));
  // Each folder from the queue's own runs folder and names, whatever `dir` the file says.
  const places = q.runs.map(({ entry }) => ({ entry, dir: experimentRunDir(dirname(path), q.name, entry) }));
  const statuses: Record<string, QueuedRunStatus> = {};
  const problems = new Map<string, string>();
  for (const { entry, dir } of places) {
    const state = await queuedStatus(dir);
    if (state.problem) problems.set(entry, state.problem);
    else statuses[entry] = state.status;
  }
  await mkdir(dirname(path), { recursive: true });
  const aside = await setAsideDamagedQueue(path);
  if (aside)
    driver.log?.(
      `${aside}; a new queue is written (finished runs are still skipped: their run.json says so)`,
    );
  await writeQueue(path, { ...q, runs: places, state: 'running' });
  const held: { entry: string; dir: string }[] = [];
  let stop: SweepState | undefined;
  const next = (): SweepState | undefined =>
    driver.stopping?.() ? 'running' : driver.cancelled() ? 'cancelled' : undefined;
  for (const { entry, dir } of places) {
    stop ??= next();
    if (stop) break;
    const problem = problems.get(entry);
    if (problem) {
      // Not counted done or failed: the user decides (delete the folder to train it again).
      driver.log?.(
        `${entry}: ${problem}; skipped, and left out of the counts (delete the folder to train it again)`,
      );
      driver.changed?.(entry, 'damaged');
      continue;
    }
    const end = await trainEntry(entry, dir, statuses, byName.get(entry), q.experiment, driver);
    if (end === 'held') held.push({ entry, dir });
    else stop = end;
  }
  for (const { entry, dir } of held) {
    stop ??= next();
    if (stop) break;
    driver.log?.(`${entry}: another trainer on this machine holds it; waiting for it to end`);
    if (!(await holderGone(dir, () => next() !== undefined))) {
      stop = next();
      break;
    }
    const again = await queuedStatus(dir);
    if (again.problem) {
      driver.log?.(
        `${entry}: ${again.problem}; skipped, and left out of the counts (delete the folder to train it again)`,
      );
      driver.changed?.(entry, 'damaged');
      continue;
    }
    statuses[entry] = again.status;
    const end = await trainEntry(entry, dir, statuses, byName.get(entry), q.experiment, driver);
    // Taken again as it started: waited for once more (the loop reaches what is pushed).
    if (end === 'held') held.push({ entry, dir });
    else stop = end;
  }
  const state: SweepState = stop ?? 'finished';
  if (state !== 'running') await writeQueue(path, { ...q, runs: places, state });
  return { state, statuses };
}

/**
 * Trains, resumes or skips one run as its status says; returns the sweep's end when it must stop,
 * or 'held' when another trainer here took the run as this one started it.
 */
async function trainEntry(
  entry: string,
  dir: string,
  statuses: Record<string, QueuedRunStatus>,
  run: ExperimentRun | undefined,
  experiment: string,
  driver: SweepDriver,
): Promise<SweepState | 'held' | undefined> {
  let status = statuses[entry]!;
  // Running when the sweep looked: its holder may have died since (its run is judged again then).
  if (status === 'running') return await heldOrElsewhere(entry, dir, statuses, driver);
  if (status === 'done' || status === 'failed') {
    driver.log?.(`${entry}: ${status} already, skipped`);
    driver.changed?.(entry, status);
    return undefined;
  }
  for (let tries = 0; ; tries++) {
    driver.changed?.(entry, 'running');
    try {
      let end: DriverEnd;
      if (status === 'queued') {
        if (!run) throw new Error(`${entry} is no longer in ${experiment}`);
        end = await driver.train(run, dir);
      } else end = await driver.resume(dir);
      // Refused for its lock: the holder may have let go by now (it writes the run's end, then
      // unlocks), so what the lock says at this moment cannot tell; only a holder elsewhere is final.
      if (end === 'held')
        return await heldOrElsewhere(entry, dir, statuses, driver, 'its trainer refused it');
      status = end;
    } catch (e) {
      // Between the sweep's look and this start, a trainer here took the lock (a reloaded window's
      // trainer still on its way): not a failure of the run; it is waited for and judged again.
      if (await heldHere(dir))
        return await heldOrElsewhere(entry, dir, statuses, driver, (e as Error).message);
      driver.log?.(`${entry}: ${(e as Error).message}`);
      status = 'failed';
    }
    if (status !== 'interrupted' || tries >= RESUME_TRIES || driver.stopping?.()) break;
  }
  statuses[entry] = status;
  driver.changed?.(entry, status);
  if (driver.stopping?.()) return 'running';
  if (status === 'cancelled' || status === 'interrupted' || driver.cancelled()) return 'cancelled';
  return undefined;
}

/**
 * A run another trainer holds (or held a moment ago): 'held', waited for and then judged again,
 * or skipped as training on another machine when the holder is there (it cannot be waited on).
 * `refused` says why this sweep's own start was refused, when it was.
 */
async function heldOrElsewhere(
  entry: string,
  dir: string,
  statuses: Record<string, QueuedRunStatus>,
  driver: SweepDriver,
  refused?: string,
): Promise<'held' | undefined> {
  const holder = await lockHolder(dir);
  if (holder && holder.host !== hostname()) {
    driver.log?.(`${entry}: training on another machine (${holder.host}), skipped`);
    statuses[entry] = 'running';
    driver.changed?.(entry, 'running');
    return undefined;
  }
  if (refused)
    driver.log?.(`${entry}: another trainer on this machine took it as this sweep started it (${refused})`);
  return 'held';
}

/** Whether the run's lock is held by a live trainer on this machine. */
async function heldHere(dir: string): Promise<boolean> {
  const holder = await lockHolder(dir);
  return holder !== undefined && holder.host === hostname() && mayBeTraining(holder);
}

/** Resolves true once no live trainer here holds the run, false when `giveUp` says so first. */
async function holderGone(dir: string, giveUp: () => boolean): Promise<boolean> {
  while (await heldHere(dir)) {
    if (giveUp()) return false;
    await new Promise((r) => setTimeout(r, HOLDER_POLL_MS));
  }
  return true;
}
