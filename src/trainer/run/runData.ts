// A run's input: the images of its folder (checked against its config and, on resume, against
// the folder it was trained on) and, for an embedding method, their embeddings.
import { join, resolve } from 'node:path';
import type { RunJson, TrainConfig } from '../../protocol/run.js';
import { classToSuperFrom } from '../../common/eval/confusion.js';
import { isEmbeddingMethod } from '../../common/methods/index.js';
import { loadDataset, type Dataset } from '../data/dataset.js';
import { pixelEmbeddings, type Embeddings } from '../embeddings/embeddings.js';
import { modelEmbeddings } from '../features/modelEmbeddings.js';
import { ConfigError, validateAgainstData } from './config.js';
import type { RunFolder } from './runFolder.js';
import type { TrainHooks } from './train.js';

/**
 * run.json travels with a shared run folder, and its config.data says what a resume scans: a
 * folder other than the one the run was trained on (its dataset record, written by the trainer
 * from the folder it scanned) is refused before anything is read from it.
 */
export function assertSameData(folder: RunFolder, run: RunJson): void {
  const root = typeof run.dataset?.root === 'string' ? run.dataset.root : undefined;
  if (typeof run.config.data === 'string' && root !== undefined && resolve(run.config.data) === resolve(root))
    return;
  throw new ConfigError(
    `${join(folder.dir, 'run.json')}: its image folder (config.data: ${String(run.config.data).slice(0, 200)}) is not the folder the run was trained on (dataset.root: ${String(root).slice(0, 200)}); ` +
      'refused before reading it. If the images moved, set both to their new folder',
  );
}

/** What run.json records of the data; the class -> super-class table lets viewers group classes without rescanning. */
export function datasetRecord(ds: Dataset): RunJson['dataset'] {
  const superOfClass = Array.from(classToSuperFrom(ds.labels, ds.superLabels, ds.classes.length));
  return { root: ds.root, images: ds.n, classes: ds.classes, superClasses: ds.superClasses, superOfClass };
}

/** The folder's images; `validate` refuses too few of them (train checks that itself, to keep a failed run). */
export async function loadData(
  config: TrainConfig,
  cacheDir: string,
  hooks: TrainHooks,
  validate = true,
): Promise<Dataset> {
  const t0 = performance.now();
  const ds = await loadDataset(config.data, {
    imageSize: config.imageSize,
    channels: config.channels,
    cacheDir,
    onProgress: hooks.onIngest,
    signal: hooks.signal,
  });
  for (const s of ds.skipped.slice(0, SKIPS_LOGGED)) hooks.log(`skipped ${s.path}: ${s.reason}`);
  if (ds.skipped.length > SKIPS_LOGGED)
    hooks.log(`... and ${ds.skipped.length - SKIPS_LOGGED} more skipped files`);
  if (ds.exclusions) hooks.log(ds.exclusions);
  if (validate) validateAgainstData(config, ds.n, config.data, ds.skipped);
  const secs = (performance.now() - t0) / 1000;
  hooks.log(
    `dataset ${ds.root}: ${ds.n} images, ${ds.classes.length} classes, ${ds.superClasses.length} super-classes, ${ds.skipped.length} skipped (${secs.toFixed(1)} s)`,
  );
  return ds;
}

const SKIPS_LOGGED = 20;

export function dataError(config: TrainConfig, ds: Dataset): ConfigError | undefined {
  try {
    validateAgainstData(config, ds.n, config.data, ds.skipped);
    return undefined;
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
}

/**
 * An embedding method clusters one vector per image: the feature model's embeddings (computed once
 * into the cache, shared by every run) when the run names one, else the pixels.
 */
export async function embeddingsOf(
  folder: RunFolder,
  config: TrainConfig,
  ds: Dataset,
  cacheDir: string,
  hooks: TrainHooks,
): Promise<Embeddings | undefined> {
  if (!isEmbeddingMethod(config.method)) return undefined;
  if (!config.features) return pixelEmbeddings(ds);
  // The model is recorded once, at the start: a resume or `assign` refuses any other.
  const recorded = await folder.readFeatureModel();
  const { embeddings, record } = await modelEmbeddings(config, ds, cacheDir, hooks, recorded);
  if (!recorded) await folder.writeFeatureModel(record);
  return embeddings;
}
