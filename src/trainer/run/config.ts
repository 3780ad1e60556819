import { homedir } from 'node:os';
import { statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { METHOD_NAMES, METHOD_SPECS, methodSpec, parseSettings } from '../../common/methods/index.js';
import type { BackboneName, BackendChoice, MethodName, Skipped, TrainConfig } from '../../protocol/run.js';

export const BACKBONES: readonly BackboneName[] = ['small', 'resnet18', 'resnet34'];
export const BACKENDS: readonly BackendChoice[] = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

/** A run's defaults: the method's epochs, batch and learning rate are its spec's (sized for a CPU run). */
export function defaultConfig(method: MethodName, data: string): TrainConfig {
  const d = METHOD_SPECS[method].defaults;
  return {
    method,
    data,
    clusters: 10,
    epochs: d.epochs,
    imageSize: 32,
    channels: 3,
    backbone: 'small',
    batchSize: d.batchSize,
    seed: 42,
    backend: 'auto',
    learningRate: d.learningRate,
    evalEvery: 1,
    params: {},
  };
}

/** The pixel cache: --cache, else $CLUSTERLAB_CACHE, else ~/.cache/clusterlab. */
export function cacheDirOf(given?: string): string {
  return resolve(given ?? process.env.CLUSTERLAB_CACHE ?? join(homedir(), '.cache', 'clusterlab'));
}

/**
 * A user-facing configuration mistake: reported as one clear line, never a stack trace. The message
 * speaks the command line's flags; `extensionMessage`, when given, says it in the extension's words.
 */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly extensionMessage?: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Command-line flags as the extension's settings and wizard call them. */
const FLAG_WORDS: Record<string, string> = { clusters: 'clusters', 'image-size': 'image size', batch: 'batch size', 'eval-every': 'evaluate every', lr: 'learning rate', param: 'setting', out: 'run folder', data: 'dataset folder' };

/** An error's message for the extension (the language server's answers and run ends): no CLI flags. */
export function inExtensionWords(e: unknown): string {
  if (e instanceof ConfigError && e.extensionMessage) return e.extensionMessage;
  const message = e instanceof Error ? e.message : String(e);
  return e instanceof ConfigError ? message.replace(/--([a-z][a-z-]*)/g, (_, flag: string) => FLAG_WORDS[flag] ?? flag) : message;
}

function intIn(name: string, value: number, lo: number, hi: number): void {
  if (!Number.isInteger(value) || value < lo || value > hi) {
    throw new ConfigError(`--${name} must be a whole number from ${lo} to ${hi} (got ${value})`);
  }
}

/** `--method`'s value as a method name, or the one-line refusal. */
export function checkMethod(name: string | undefined): MethodName {
  if (!name) throw new ConfigError(`--method is required (${METHOD_NAMES.join(', ')})`);
  if (!methodSpec(name)) throw new ConfigError(`--method must be one of ${METHOD_NAMES.join(', ')} (got ${name})`);
  return name as MethodName;
}

/**
 * Checks what can be checked before any work (method settings against the method's spec); the
 * image count is checked once the folder is read.
 */
export function validateConfig(c: TrainConfig): void {
  const spec = METHOD_SPECS[checkMethod(c.method)];
  if (!BACKBONES.includes(c.backbone)) throw new ConfigError(`--backbone must be one of ${BACKBONES.join(', ')} (got ${c.backbone})`);
  if (!BACKENDS.includes(c.backend)) throw new ConfigError(`--backend must be one of ${BACKENDS.join(', ')} (got ${c.backend})`);
  if (!c.data) throw new ConfigError('--data is required: the image folder to cluster');
  intIn('clusters', c.clusters, 2, 100_000);
  intIn('epochs', c.epochs, 1, 100_000);
  intIn('image-size', c.imageSize, 8, 1024);
  intIn('batch', c.batchSize, 2, 65_536);
  intIn('seed', c.seed, 0, 2 ** 32 - 1);
  intIn('eval-every', c.evalEvery, 1, 100_000);
  if (!(c.learningRate > 0 && c.learningRate < 10)) throw new ConfigError(`--lr must be a positive number below 10 (got ${c.learningRate})`);
  if (c.channels !== 1 && c.channels !== 3) throw new ConfigError(`channels must be 1 or 3 (got ${c.channels})`);
  const bad = parseSettings(spec, c.params).errors[0];
  if (bad) throw new ConfigError(bad.error);
  if (c.features !== undefined) checkFeatures(spec.name, spec.input, c.features);
}

/** --features: only for methods that cluster embeddings, and a model file that exists (its content is checked when opened). */
function checkFeatures(method: string, input: 'images' | 'embeddings' | undefined, file: string): void {
  const embedding = Object.values(METHOD_SPECS).filter((s) => s.input === 'embeddings').map((s) => s.name);
  if (input !== 'embeddings') {
    throw new ConfigError(
      `--features: ${method} trains its own network on the images, so it takes no feature model; ${embedding.length ? `methods that cluster a feature model's embeddings: ${embedding.join(', ')}` : 'no method here clusters embeddings yet'}`,
      `a feature model is only for methods that cluster embeddings; ${method} trains its own network on the images`,
    );
  }
  if (!isAbsolute(file)) throw new ConfigError(`--features must be an absolute path (got ${file})`);
  let st;
  try {
    st = statSync(file);
  } catch {
    throw new ConfigError(`--features ${file}: no such file`);
  }
  if (!st.isFile()) throw new ConfigError(`--features ${file}: not a file`);
}

export function validateAgainstData(c: TrainConfig, images: number, root: string, skipped: readonly Skipped[] = []): void {
  if (images === 0 && skipped.length === 0) {
    throw new ConfigError(`no decodable images in ${root}: no file in it or its subfolders has an image extension (.png, .jpg, .webp, ...)`);
  }
  if (images === 0) {
    const first = skipped.slice(0, 3).map((s) => `${s.path}: ${s.reason}`).join('; ');
    throw new ConfigError(`no decodable images in ${root}: all ${skipped.length} image files were skipped (${first}${skipped.length > 3 ? '; ...' : ''})`);
  }
  if (images < c.clusters) {
    const has = `${root} has ${images} decodable image${images === 1 ? '' : 's'}`;
    throw new ConfigError(`${has}, fewer than --clusters ${c.clusters}`, `${has}, fewer than the ${c.clusters} clusters asked for`);
  }
}
