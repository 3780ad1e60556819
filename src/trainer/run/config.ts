import type { BackboneName, BackendChoice, MethodName, Skipped, TrainConfig } from '../../protocol/run.js';

export const METHODS: readonly MethodName[] = ['cc', 'scan', 'deepcluster'];
export const BACKBONES: readonly BackboneName[] = ['small', 'resnet18', 'resnet34'];
export const BACKENDS: readonly BackendChoice[] = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

/**
 * Per-method defaults, epochs sized for a CPU run on the small backbone (the README says why each
 * departs from the official settings). CC: batch 128 and Adam 1e-3 with cosine decay instead of
 * 256 and a constant 3e-4, since a CPU affords a few hundred steps where the official run takes
 * 200,000 (measured on Fashion-MNIST: 2-4 points of ACC ahead at every epoch).
 */
const METHOD_DEFAULTS: Record<MethodName, { epochs: number; learningRate: number; batchSize: number }> = {
  cc: { epochs: 24, learningRate: 1e-3, batchSize: 128 },
  scan: { epochs: 18, learningRate: 1e-4, batchSize: 256 },
  deepcluster: { epochs: 20, learningRate: 0.05, batchSize: 256 },
};

export function defaultConfig(method: MethodName, data: string): TrainConfig {
  return {
    method,
    data,
    clusters: 10,
    epochs: METHOD_DEFAULTS[method].epochs,
    imageSize: 32,
    channels: 3,
    backbone: 'small',
    batchSize: METHOD_DEFAULTS[method].batchSize,
    seed: 42,
    backend: 'auto',
    learningRate: METHOD_DEFAULTS[method].learningRate,
    evalEvery: 1,
    params: {},
  };
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

/** Checks what can be checked before any work; the image count is checked once the folder is read. */
export function validateConfig(c: TrainConfig): void {
  if (!METHODS.includes(c.method)) throw new ConfigError(`--method must be one of ${METHODS.join(', ')} (got ${c.method})`);
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
