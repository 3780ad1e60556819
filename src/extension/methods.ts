import { rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { writeJsonAtomic } from '../common/atomicFile.js';
import type { MethodName, RunJson } from '../protocol/run.js';

/** How the extension names and describes each method (the trainer knows them by MethodName). */
export const METHOD_INFO: Record<MethodName, { label: string; description: string }> = {
  cc: { label: 'CC', description: 'Contrastive Clustering: instance- and cluster-level contrast between two augmented views' },
  scan: { label: 'SCAN', description: 'Self-supervised pretext, then nearest-neighbour consistency, then self-labeling' },
  deepcluster: { label: 'DeepCluster', description: 'Alternates k-means on the features with training on its pseudo-labels' },
};

/** "CC · fashion": the run being trained, as its progress and end messages name it. */
export function runLabel(method: MethodName, datasetRoot: string): string {
  return `${METHOD_INFO[method].label} · ${basename(datasetRoot)}`;
}

/** "Dec 5, 01:13": when a run started, in the user's time zone. */
export function localTime(iso: string): string {
  return new Date(iso).toLocaleString('en-US', { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
}

/** A user's name for a run lives in the run folder's name.json ({"name": ...}), beside the trainer's run.json. */
export const RUN_NAME_FILE = 'name.json';

/**
 * The one name a run has in every list (Runs tree, pages' run pickers, quick picks): the user's
 * name for it, else "CC · fashion · Dec 5, 01:13".
 */
export function runLabelOf(run: RunJson, userName?: string): string {
  return userName || `${runLabel(run.method, run.dataset.root)} · ${localTime(run.startedAt)}`;
}

/** Names a run (an empty name goes back to the default one). */
export async function renameRun(dir: string, name: string): Promise<void> {
  const file = join(dir, RUN_NAME_FILE);
  if (name.trim()) await writeJsonAtomic(file, { name: name.trim().slice(0, 200) });
  else await rm(file, { force: true });
}
