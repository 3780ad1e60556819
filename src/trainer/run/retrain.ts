/**
 * "Retrain with my corrections": a new run that continues a finished run's model (its checkpoint,
 * settings and metrics so far) for more epochs, with the user's moves as anchors
 * (corrections.ts, methods/anchors.ts). Continuing rather than starting over keeps the clusters'
 * ids, so a move's old cluster is the same cluster in the retrain and Compare lines the two runs
 * up; the source run is only read.
 */
import { copyFile, readdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { RunJson } from '../../protocol/run.js';
import { METHOD_NAMES, METHOD_SPECS } from '../../common/methods/index.js';
import type { MethodSpec } from '../../common/methods/spec.js';
import { RunFolder } from './runFolder.js';
import { writeJsonAtomic } from '../../common/atomicFile.js';
import { emptyLabels, LABELS_FILE, type LabelsJson } from '../../protocol/labels.js';
import { readLabels } from '../curate/runClusters.js';
import { ConfigError } from './config.js';
import { readCorrections, writeCorrections, type Correction } from './corrections.js';
import { defaultRunDir, resume, type TrainHooks, type TrainResult } from './train.js';

/** Methods whose training takes anchors (their specs say where). */
const RETRAINABLE = METHOD_NAMES.filter((m) => METHOD_SPECS[m].corrections);

export interface RetrainOptions {
  /** Epochs to train past the source's; default a sixth of its epochs, at least 2. */
  epochs?: number;
  /** False: the same retrain without the corrections (the bench's control). */
  corrections?: boolean;
}

export interface RetrainPlan {
  source: RunFolder;
  run: RunJson;
  /** The source's cluster names: the retrain keeps its clusters' ids, so it keeps their names. */
  names: LabelsJson['names'];
  moves: Correction[];
  epochs: number;
}

/** Checks the source run and reads its corrections: everything that can refuse, before any folder is made. */
export async function planRetrain(
  sourceDir: string,
  log: (line: string) => void,
  opts: RetrainOptions = {},
): Promise<RetrainPlan> {
  const source = new RunFolder(resolve(sourceDir));
  const run = await source.readRun();
  const spec: MethodSpec = METHOD_SPECS[run.method];
  if (!spec.corrections)
    throw new ConfigError(
      `${source.dir}: a ${run.method} run cannot be retrained with corrections yet (${RETRAINABLE.join(', ')} can)`,
    );
  if (run.status !== 'done')
    throw new ConfigError(`${source.dir}: the run is ${run.status}; only a finished run can be retrained`);
  const { stage, where } = spec.corrections;
  if (stage && !String(run.config.params.stages).split(',').includes(stage))
    throw new ConfigError(
      `${source.dir}: the run stopped before ${where}, where a ${spec.label} retrain puts the corrections: resume it with --stages ${(spec.stages ?? []).map((s) => s.phase).join(',')} first`,
    );
  const epochs = opts.epochs ?? Math.max(2, Math.round(run.epoch / 6));
  if (!Number.isInteger(epochs) || epochs < 1)
    throw new ConfigError(`--epochs must be a whole number of epochs >= 1 (got ${epochs})`);
  const labels = await readLabels(join(source.dir, LABELS_FILE));
  const moves =
    opts.corrections === false
      ? []
      : await readCorrections(source.dir, labels, resolve(run.dataset.root), run.config.clusters, log);
  return { source, run, names: labels.names, moves, epochs };
}

/** Retrains the finished run in `sourceDir` into the new folder `out`. */
export async function retrain(
  sourceDir: string,
  out: string,
  cacheDir: string,
  hooks: TrainHooks,
  opts: RetrainOptions = {},
): Promise<TrainResult> {
  return resume(await prepareRetrain(sourceDir, out, hooks.log, opts), cacheDir, hooks);
}

/** The default folder of a retrain: beside its source, named after it. */
export function retrainDirFor(sourceDir: string, now = new Date()): string {
  const source = resolve(sourceDir);
  return join(dirname(source), basename(defaultRunDir(`${basename(source)}-retrain`, now)));
}

/**
 * Makes the retrain's folder `out` (refused when it holds a run): the source's run.json with more
 * epochs, its checkpoint and metrics, and the corrections frozen in corrections.json. Resuming
 * the folder trains the retrain; returns its absolute path.
 */
export async function prepareRetrain(
  sourceDir: string,
  out: string,
  log: (line: string) => void,
  opts: RetrainOptions = {},
): Promise<string> {
  const { source, run, names, moves, epochs } = await planRetrain(sourceDir, log, opts);
  log(
    `retraining ${source.dir} for ${epochs} more epochs with ${moves.length} corrected ${moves.length === 1 ? 'image' : 'images'} as anchors`,
  );
  const { folder, unlock } = await RunFolder.create(resolve(out));
  try {
    const config = { ...run.config, epochs: run.config.epochs + epochs };
    // A staged method's epochs past its stages are its last stage's; its resolved config counts them there.
    const counted = METHOD_SPECS[run.method].corrections?.epochsSetting;
    if (counted) config.params = { ...config.params, [counted]: (config.params[counted] as number) + epochs };
    await writeCorrections(folder, {
      format: 'clusterlab-corrections',
      version: 1,
      source: source.dir,
      fromEpoch: run.epoch,
      moves,
    });
    for (const f of await readdir(source.checkpointDir))
      await copyFile(join(source.checkpointDir, f), join(folder.checkpointDir, f));
    if (Object.keys(names).length > 0)
      await writeJsonAtomic(join(folder.dir, LABELS_FILE), { ...emptyLabels(), names });
    // The curves go on from the source's: the retrain's rows follow its epochs.
    await copyFile(join(source.dir, 'metrics.jsonl'), join(folder.dir, 'metrics.jsonl'));
    // A new run: the source's end, error and experiment are not its own.
    const fresh: RunJson = { ...run, id: basename(folder.dir), config, startedAt: new Date().toISOString() };
    delete fresh.endedAt;
    delete fresh.error;
    delete fresh.experiment;
    await folder.writeRun({ ...fresh, status: 'running' });
  } finally {
    await unlock();
  }
  return folder.dir;
}
