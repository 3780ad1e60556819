import { basename, join, resolve } from 'node:path';
import { removeStaleTemps } from '../../common/atomicFile.js';
import type {
  Assignment,
  ExperimentRef,
  KeptEpoch,
  MetricsRow,
  RunJson,
  SummaryJson,
  TrainConfig,
} from '../../protocol/run.js';
import { initBackend } from '../backend/index.js';
import { pixelKmeans } from '../cluster/pixelKmeans.js';
import type { Dataset } from '../data/dataset.js';
import { checkImageFolder } from '../data/scan.js';
import { createMethod, resolveConfig, stageNameOf } from '../methods/index.js';
import type { Embeddings } from '../embeddings/embeddings.js';
import { writeRunFeatures } from '../../common/features.js';
import { cancelPoint, CancelledError, epochRng, type Method, type Predictions } from '../methods/method.js';
import { checkpointEpoch, loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { ConfigError, validateConfig } from './config.js';
import { RunFolder } from './runFolder.js';
import { lockRun } from './runLock.js';
import { imageFeatures, type ImageFeatures } from './imageFeatures.js';
import { labelFreeRow, scoreLabelFree, type LabelFreeResult } from './labelFreeScores.js';
import { scoreDataset } from './scoring.js';
import { assertSameData, dataError, datasetRecord, embeddingsOf, loadData } from './runData.js';
import { checkFeatureModel } from '../features/modelEmbeddings.js';
import { readRetrain } from './corrections.js';

export interface StepProgress {
  epoch: number;
  epochs: number;
  step: number;
  steps: number;
  loss: number;
  imgPerSec: number;
  /** The method's stage (SCAN's pretext, SCAN, self-labeling), for methods that have stages. */
  stage?: string;
}

/** How a caller (CLI, language server, test) watches and steers a run. */
export interface TrainHooks {
  log(line: string): void;
  onStep?(p: StepProgress): void;
  onEpoch?(row: MetricsRow): void;
  onIngest?(done: number, total: number): void;
  /** A feature model's run: images embedded (cached ones included) out of all, after each batch. */
  onEmbed?(done: number, total: number): void;
  signal?: AbortSignal;
  /**
   * Set (by the language server): a folder that cannot be trained leaves a failed run folder with
   * the reason (this function's wording of the error) and the skipped files; unset (the command
   * line), it is refused before any folder exists.
   */
  keepRefused?(e: ConfigError): string;
}

export interface TrainResult {
  dir: string;
  run: RunJson;
  summary?: SummaryJson;
}

/** A new run of `config` in the folder `out`; `experiment` records the experiment file's run it is. */
export async function train(
  config: TrainConfig,
  out: string,
  cacheDir: string,
  hooks: TrainHooks,
  experiment?: ExperimentRef,
): Promise<TrainResult> {
  config = { ...config, data: resolve(config.data) };
  validateConfig(config);
  config = resolveConfig(config);
  // Before a single image is read: a mistake in --out should not cost an ingest.
  await RunFolder.assertNew(out);
  // Before the backend starts: a misspelt folder is its one line, with no backend report above it.
  await checkImageFolder(config.data);
  const backend = await initBackend(config.backend, hooks.log);
  // Before the images are read: a feature model or sidecar that will not do is its one line.
  if (config.features) await checkFeatureModel(config.features);
  const ds = await loadData(config, cacheDir, hooks, false);
  const refused = dataError(config, ds);
  if (refused && !hooks.keepRefused) throw refused;
  const { folder, unlock } = await RunFolder.create(out);
  const run: RunJson = {
    format: 'clusterlab-run',
    version: 1,
    id: basename(resolve(out)),
    method: config.method,
    config,
    dataset: datasetRecord(ds),
    backend,
    status: 'running',
    startedAt: new Date().toISOString(),
    epoch: 0,
    ...(experiment ? { experiment } : {}),
  };
  try {
    if (refused) {
      await folder.writeRun({
        ...run,
        status: 'failed',
        endedAt: new Date().toISOString(),
        error: hooks.keepRefused!(refused),
        skipped: ds.skipped,
      });
      throw refused;
    }
    await folder.writeRun(run);
    return await execute(folder, run, ds, cacheDir, hooks);
  } finally {
    await unlock();
  }
}

/**
 * Continues the run in `dir` from its last checkpoint; `epochs` may extend it, and `params` change
 * method settings (SCAN's `stages`, to go on past a finished pretext).
 */
export async function resume(
  dir: string,
  cacheDir: string,
  hooks: TrainHooks,
  epochs?: number,
  params?: TrainConfig['params'],
): Promise<TrainResult> {
  const folder = new RunFolder(dir);
  // A folder that holds no run gets no lock file.
  await folder.readRun();
  // Before anything is written or swept: another trainer may be at work on this run.
  const unlock = await lockRun(dir);
  try {
    // Read again under the lock: a trainer that held it may have written its last epoch and end since.
    return await continueRun(folder, await folder.readRun(), cacheDir, hooks, epochs, params);
  } finally {
    await unlock();
  }
}

async function continueRun(
  folder: RunFolder,
  run: RunJson,
  cacheDir: string,
  hooks: TrainHooks,
  epochs?: number,
  params?: TrainConfig['params'],
): Promise<TrainResult> {
  if (epochs !== undefined) run.config = { ...run.config, epochs };
  if (params) run.config = { ...run.config, params: { ...run.config.params, ...params } };
  validateConfig(run.config);
  run.config = resolveConfig(run.config);
  assertSameData(folder, run);
  await checkImageFolder(run.config.data);
  run.backend = await initBackend(run.config.backend, hooks.log);
  const ds = await loadData(run.config, cacheDir, hooks);
  if (ds.n !== run.dataset.images)
    hooks.log(`note: the dataset now has ${ds.n} images, the run started with ${run.dataset.images}`);
  run.dataset = datasetRecord(ds);
  run.status = 'running';
  delete run.endedAt;
  delete run.error;
  // A killed trainer leaves the temp files of its unfinished writes behind: garbage now.
  for (const d of [folder.dir, folder.checkpointDir]) await removeStaleTemps(d);
  return execute(folder, run, ds, cacheDir, hooks);
}

async function execute(
  folder: RunFolder,
  run: RunJson,
  ds: Dataset,
  cacheDir: string,
  hooks: TrainHooks,
): Promise<TrainResult> {
  const config = run.config;
  const signal = hooks.signal ?? new AbortController().signal;
  const started = performance.now();
  let embeddings: Embeddings | undefined;
  let retrain: Awaited<ReturnType<typeof readRetrain>>;
  try {
    embeddings = await embeddingsOf(folder, config, ds, cacheDir, hooks);
    // A retrain (retrain.ts) trains with the corrections its folder froze at its start.
    retrain = await readRetrain(folder, ds);
  } catch (e) {
    return ended(folder, run, e as Error, hooks);
  }
  const method = createMethod({
    config,
    ds,
    ...(embeddings ? { embeddings } : {}),
    ...(retrain ? { retrain } : {}),
  });
  try {
    const saved = await checkpointEpoch(folder.checkpointDir);
    method.enterEpoch?.(saved + 1);
    const start =
      saved > 0
        ? await loadCheckpoint(
            folder.checkpointDir,
            config.method,
            method.params,
            method.optimizer,
            // A retrain may see fewer images than its source (exclusions since): see loadCheckpoint.
            retrain !== undefined,
          )
        : 0;
    if (start > 0) hooks.log(`resuming from the checkpoint of epoch ${start}`);
    await folder.truncateMetrics(start);
    let evaluated: Evaluation | undefined;
    for (let epoch = start + 1; epoch <= config.epochs; epoch++) {
      const t0 = performance.now();
      let images = 0;
      const stage = stageNameOf(config, epoch);
      const result = await method.trainEpoch(
        epoch,
        epochRng(config, epoch),
        (s) => {
          images += s.images;
          hooks.onStep?.({
            epoch,
            epochs: config.epochs,
            step: s.step,
            steps: s.steps,
            loss: s.loss,
            imgPerSec: images / ((performance.now() - t0) / 1000),
            ...(stage ? { stage } : {}),
          });
        },
        signal,
      );
      const seconds = (performance.now() - t0) / 1000;
      const row: MetricsRow = {
        epoch,
        phase: result.phase,
        loss: result.loss,
        terms: result.terms,
        imgPerSec: images / seconds,
        seconds,
        ...result.extra,
      };
      evaluated = undefined;
      if (epoch % config.evalEvery === 0 || epoch === config.epochs) {
        evaluated = await evaluate(method, ds, config, signal);
        Object.assign(
          row,
          scoreDataset(ds, evaluated.preds.cluster, config.clusters).row,
          labelFreeRow(evaluated.labelFree.scores),
        );
        // Before the metrics row: a reader that sees epoch e's row finds its features and clusters.
        await writeFeatures(folder, evaluated, epoch);
        await folder.writeEpochClusters(epoch, evaluated.preds.cluster);
      }
      await folder.appendMetrics(row);
      hooks.onEpoch?.(row);
      method.enterEpoch?.(epoch + 1);
      await saveCheckpoint(folder.checkpointDir, config.method, epoch, method.params, method.optimizer);
      run.epoch = epoch;
      await folder.writeRun(run);
    }
    // A method that reports an earlier epoch (DeepCluster's pick) restores it: the checkpoint and
    // the files of the end are that epoch's, and the last epoch's row stays the last epoch's.
    const kept = method.finish?.();
    if (kept && kept.epoch !== run.epoch) {
      await saveCheckpoint(folder.checkpointDir, config.method, run.epoch, method.params, method.optimizer);
      evaluated = undefined;
    }
    if (!evaluated) {
      // Resumed after the last checkpoint, or an earlier epoch kept: the files of the end are made again.
      evaluated = await evaluate(method, ds, config, signal);
      await writeFeatures(folder, evaluated, kept?.epoch ?? start);
    }
    const summary = await finish(folder, run, ds, evaluated, (performance.now() - started) / 1000, kept);
    return { dir: folder.dir, run, summary };
  } catch (e) {
    return ended(folder, run, e as Error, hooks);
  } finally {
    method.params.dispose();
    method.optimizer.dispose();
  }
}

/** A run stopped by `e`: cancelled (returned) or failed (thrown), said in run.json either way. */
async function ended(folder: RunFolder, run: RunJson, e: Error, hooks: TrainHooks): Promise<TrainResult> {
  run.status = e instanceof CancelledError ? 'cancelled' : 'failed';
  if (!(e instanceof CancelledError)) run.error = e.message;
  run.endedAt = new Date().toISOString();
  // On a full disk this write fails too; the error that stopped the run is the one to report.
  await folder
    .writeRun(run)
    .catch((w: Error) => hooks.log(`could not record the run's end in run.json: ${w.message}`));
  if (e instanceof CancelledError) return { dir: folder.dir, run };
  throw e;
}

/** What an eval epoch (and the end of a run) computes from the model: clusters, features, label-free scores. */
interface Evaluation {
  preds: Predictions;
  features: ImageFeatures;
  labelFree: LabelFreeResult;
}

/** Each of its passes over the dataset is a point where a cancel stops the run (a long one on 100,000 images). */
async function evaluate(
  method: Method,
  ds: Dataset,
  config: TrainConfig,
  signal: AbortSignal,
): Promise<Evaluation> {
  await cancelPoint(signal);
  const preds = await method.predict();
  await cancelPoint(signal);
  const features = await imageFeatures(method, ds, config.clusters);
  await cancelPoint(signal);
  return { preds, features, labelFree: await scoreLabelFree(features, preds, config.clusters, config.seed) };
}

function writeFeatures(folder: RunFolder, e: Evaluation, epoch: number): Promise<void> {
  const f = e.features;
  return writeRunFeatures(
    folder.dir,
    { rows: f.rows, dims: f.dims, clusters: f.clusters, epoch },
    f.features,
    f.probs,
  );
}

async function finish(
  folder: RunFolder,
  run: RunJson,
  ds: Dataset,
  evaluated: Evaluation,
  seconds: number,
  kept: KeptEpoch | undefined,
): Promise<SummaryJson> {
  const preds = evaluated.preds;
  const k = run.config.clusters;
  const rows: Assignment[] = ds.entries.map((e, i) => ({
    path: e.path,
    cluster: preds.cluster[i]!,
    confidence: preds.confidence[i]!,
    label: e.label >= 0 ? ds.classes[e.label] : undefined,
  }));
  await folder.writeAssignments(rows);
  const sizes = new Array<number>(k).fill(0);
  for (const c of preds.cluster) sizes[c]!++;
  const scores = scoreDataset(ds, preds.cluster, k);
  const baseline = scores.flat ? await pixelKmeans(ds, k) : undefined;
  const summary: SummaryJson = {
    ...scores.flat,
    ...(scores.super ? { super: scores.super } : {}),
    k,
    n: ds.n,
    epochs: run.epoch,
    seconds,
    backend: run.backend.name,
    sizes,
    skipped: ds.skipped,
    labelFree: evaluated.labelFree.scores,
    mergeCandidates: evaluated.labelFree.merges,
    ...(baseline ? { pixelKmeans: baseline } : {}),
    ...(kept ? { kept } : {}),
  };
  await folder.writeSummary(summary);
  run.status = 'done';
  run.endedAt = new Date().toISOString();
  await folder.writeRun(run);
  return summary;
}

/** Default folder of a new run: `.clusterlab/runs/<method>-<yyyymmdd-hhmmss>` under the working directory. */
export function defaultRunDir(method: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').replace(/\..*/, '');
  return join('.clusterlab', 'runs', `${method}-${stamp}`);
}
