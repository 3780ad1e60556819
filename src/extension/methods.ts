import { rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { writeJsonAtomic } from '../common/atomicFile.js';
import { METHOD_SPECS } from '../common/methods/index.js';
import type { MethodName, RunJson } from '../protocol/run.js';

/** "CC · fashion": the run being trained, as its progress and end messages name it (the label is the method's spec's). */
export function runLabel(method: MethodName, datasetRoot: string): string {
  return `${METHOD_SPECS[method].label} · ${basename(datasetRoot)}`;
}

/** "Dec 5, 01:13": when a run started, in the user's time zone. */
export function localTime(iso: string): string {
  return new Date(iso).toLocaleString('en-US', {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
}

/** A user's name for a run lives in the run folder's name.json ({"name": ...}), beside the trainer's run.json. */
export const RUN_NAME_FILE = 'name.json';

/**
 * The one name a run has in every list (Runs tree, pages' run pickers, quick picks): the user's
 * name for it, else its entry's name in its experiment file, else "CC · fashion · Dec 5, 01:13".
 */
export function runLabelOf(run: RunJson, userName?: string): string {
  return (
    userName ||
    run.experiment?.entry ||
    `${runLabel(run.method, run.dataset.root)} · ${localTime(run.startedAt)}`
  );
}

/** Names a run (an empty name goes back to the default one). */
export async function renameRun(dir: string, name: string): Promise<void> {
  const file = join(dir, RUN_NAME_FILE);
  if (name.trim()) await writeJsonAtomic(file, { name: name.trim().slice(0, 200) });
  else await rm(file, { force: true });
}
