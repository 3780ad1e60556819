/**
 * A finished run as the command line acts on it: its image folder, every image's cluster after
 * the user's edits (labels.json moves and merges, applied as the extension applies them) and the
 * dataset's exclusion list.
 */
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { readExclusions } from '../../common/exclusions.js';
import { effectiveClusters } from '../../common/labels.js';
import { parseAssignments } from '../../common/runFiles.js';
import { emptyLabels, LABELS_FILE, parseLabels, type LabelsJson } from '../../protocol/labels.js';
import type { RunJson } from '../../protocol/run.js';
import { ConfigError } from '../run/config.js';
import { RunFolder } from '../run/runFolder.js';

export interface RunClusters {
  dir: string;
  run: RunJson;
  /** The image folder the run was trained on (absolute). */
  root: string;
  paths: string[];
  cluster: Int32Array;
  confidence: Float64Array;
  labels: LabelsJson;
  excluded: Set<string>;
}

export async function readRunClusters(dir: string): Promise<RunClusters> {
  const folder = new RunFolder(resolve(dir));
  const run = await folder.readRun();
  let text: string;
  try {
    text = await readFile(join(folder.dir, 'assignments.csv'), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      throw new ConfigError(
        `${folder.dir} has no assignments.csv: the run has not finished (status ${run.status})`,
      );
    throw e;
  }
  const rows = parseAssignments(text);
  const labels = await readLabels(join(folder.dir, LABELS_FILE));
  const paths = rows.map((r) => r.path);
  const excluded = await readExclusions(resolve(run.dataset.root)).catch((e: Error) => {
    throw new ConfigError(e.message);
  });
  return {
    dir: folder.dir,
    run,
    root: resolve(run.config.data),
    paths,
    cluster: effectiveClusters(
      paths,
      Int32Array.from(rows, (r) => r.cluster),
      labels,
    ),
    confidence: Float64Array.from(rows, (r) => r.confidence),
    labels,
    excluded,
  };
}

export async function readLabels(file: string): Promise<LabelsJson> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return emptyLabels();
    throw e;
  }
  try {
    return parseLabels(JSON.parse(text));
  } catch (e) {
    throw new ConfigError(`${file} is damaged (${(e as Error).message}): fix or remove it`);
  }
}

/** True when `dir` is a run folder (holds run.json) rather than an image folder. */
export async function isRunFolder(dir: string): Promise<boolean> {
  return stat(join(dir, 'run.json')).then(
    (s) => s.isFile(),
    () => false,
  );
}
