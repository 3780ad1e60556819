/**
 * The user's corrections of a finished run, as a retrain takes them: every image moved in
 * labels.json (through merges, as the views show it) is an anchor, to the cluster it was moved to
 * and away from the one training (or a merge) had put it in. Frozen into the retrain's own
 * corrections.json at its start, so a resume trains with the same anchors whatever is edited later.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from '../../common/atomicFile.js';
import { readExclusions } from '../../common/exclusions.js';
import { mergeTarget } from '../../common/labels.js';
import { readRunText } from '../../common/runFileRead.js';
import { parseAssignments } from '../../common/runFiles.js';
import { LABELS_FILE, type LabelsJson } from '../../protocol/labels.js';
import { arr, check, int, lit, obj, str, type Infer } from '../../protocol/schema.js';
import type { Dataset } from '../data/dataset.js';
import type { Retrain } from '../methods/anchors.js';
import { ConfigError } from './config.js';
import type { RunFolder } from './runFolder.js';

export const CORRECTIONS_FILE = 'corrections.json';

const correctionsSchema = obj({
  format: lit('clusterlab-corrections'),
  version: lit(1),
  /** The run whose edits these are (absolute folder) and the epoch the retrain continues from. */
  source: str(4096),
  fromEpoch: int(0, 1_000_000),
  /** Dataset-relative image path, the cluster it was moved to, the cluster it was moved out of. */
  moves: arr(obj({ path: str(4096), to: int(0, 999_999_999), from: int(0, 999_999_999) })),
});

export type CorrectionsJson = Infer<typeof correctionsSchema>;
export type Correction = CorrectionsJson['moves'][number];

/**
 * The moves in `labels` (the labels.json of the finished run in `dir`: k clusters, images under `root`). Refused in one line,
 * before any work, when a moved image is no longer in the folder or a move goes to a cluster the
 * run does not have (a new cluster: the retrain continues the run's k-cluster model). Moved images
 * the exclusion list now leaves out are dropped, and said.
 */
export async function readCorrections(
  dir: string,
  labels: LabelsJson,
  root: string,
  k: number,
  log: (line: string) => void,
): Promise<Correction[]> {
  const text = await readRunText(dir, 'assignments.csv');
  if (text === undefined) throw new ConfigError(`${dir} has no assignments.csv: the run has not finished`);
  const trained = new Map(parseAssignments(text).map((r) => [r.path, r.cluster]));
  const file = join(dir, LABELS_FILE);
  const resolveMerge = mergeTarget(labels);
  const entries = Object.entries(labels.moves);
  const gone: string[] = [];
  for (const [path] of entries) if (!(await isFile(join(root, path)))) gone.push(path);
  if (gone.length > 0)
    throw new ConfigError(
      `${file}: ${gone.length} of its ${entries.length} moved images ${gone.length === 1 ? 'is' : 'are'} no longer in ${root} (first: ${gone[0]}); nothing was started and nothing changed: put ${gone.length === 1 ? 'it' : 'them'} back, or move ${gone.length === 1 ? 'it' : 'them'} back in the gallery, then retrain`,
    );
  const excluded = await readExclusions(root).catch((e: Error) => {
    throw new ConfigError(e.message);
  });
  const moves: Correction[] = [];
  let left = 0;
  for (const [path, cluster] of entries) {
    const was = trained.get(path);
    if (was === undefined)
      throw new ConfigError(`${file}: moves ${path}, which is not among the run's images (assignments.csv)`);
    if (excluded.has(path)) {
      left++;
      continue;
    }
    const to = resolveMerge(cluster);
    const from = resolveMerge(was);
    if (to === from) continue;
    if (to >= k)
      throw new ConfigError(
        `${file}: moves ${path} into cluster ${to}, a new cluster; a retrain continues the run's ${k} clusters, so move the images of new clusters into existing ones (or train a new run with more clusters)`,
      );
    moves.push({ path, to, from });
  }
  if (left > 0)
    log(`${left} moved ${left === 1 ? 'image is' : 'images are'} excluded from the dataset now: left out`);
  return moves;
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

export function writeCorrections(folder: RunFolder, c: CorrectionsJson): Promise<void> {
  return writeJsonAtomic(join(folder.dir, CORRECTIONS_FILE), c);
}

/** The retrain a run folder records (undefined for a run that is not one), its anchors as rows of `ds`. */
export async function readRetrain(folder: RunFolder, ds: Dataset): Promise<Retrain | undefined> {
  const text = await readRunText(folder.dir, CORRECTIONS_FILE);
  if (text === undefined) return undefined;
  const file = join(folder.dir, CORRECTIONS_FILE);
  let c: CorrectionsJson;
  try {
    c = check(correctionsSchema, JSON.parse(text));
  } catch (e) {
    throw new ConfigError(`${file} is damaged (${(e as Error).message}): fix or remove it`);
  }
  const row = new Map(ds.entries.map((e, i) => [e.path, i]));
  // Images excluded or deleted since the retrain started are no anchors any more.
  const kept = c.moves.filter((m) => row.has(m.path));
  return {
    fromEpoch: c.fromEpoch,
    anchors: {
      rows: Int32Array.from(kept, (m) => row.get(m.path)!),
      to: Int32Array.from(kept, (m) => m.to),
      from: Int32Array.from(kept, (m) => m.from),
    },
  };
}
