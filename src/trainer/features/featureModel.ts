// A feature model file the user brings: ONNX (onnxruntime-node) or a TF.js graph/layers model
// (tfjs-converter's model.json + weight shards, on the run's tfjs backend). Both give the same
// interface: the signature the sidecar is checked against, a content hash for the cache, and a
// batched forward pass.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { ConfigError } from '../run/config.js';
import type { ModelSignature, Preprocessing } from './sidecar.js';

export interface ModelOutput {
  data: Float32Array;
  shape: number[];
}

export interface FeatureModel {
  file: string;
  kind: 'onnx' | 'tfjs-graph' | 'tfjs-layers';
  signature: ModelSignature;
  /** Where the forward pass runs, for the log: "onnxruntime cpu", "tfjs wasm", ... */
  device: string;
  /** Every file the model is read from: their content is the cache's model key. */
  files: string[];
  /** `n` images, preprocessed into `input` in prep.layout, through to prep.output. */
  run(input: Float32Array, n: number, prep: Preprocessing): Promise<ModelOutput>;
  dispose(): Promise<void>;
}

/** Opens `file` by its extension: .onnx, or .json (tfjs-converter output). Refusals name the file. */
export async function openFeatureModel(file: string, log: (line: string) => void): Promise<FeatureModel> {
  try {
    if (!(await stat(file)).isFile())
      throw new ConfigError({ option: 'features', what: `${file}: not a file` });
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError({ option: 'features', what: `${file}: no such file` });
  }
  const ext = extname(file).toLowerCase();
  if (ext === '.onnx') return (await import('./onnxModel.js')).openOnnxModel(file, log);
  if (ext === '.json') return (await import('./tfjsModel.js')).openTfjsModel(file);
  throw new ConfigError({
    option: 'features',
    what: `${file}: not a model file ClusterLab reads (.onnx, or a TF.js model.json)`,
  });
}

/** sha256 over every file of the model, in order, with their lengths (so shards cannot shift). */
export async function modelHash(files: readonly string[]): Promise<string> {
  const h = createHash('sha256');
  for (const f of files) {
    h.update(`${(await stat(f)).size}\n`);
    for await (const chunk of createReadStream(f)) h.update(chunk as Buffer);
  }
  return h.digest('hex');
}

/** A model that fails to load, as one line naming the file. */
export function unreadable(file: string, e: unknown): ConfigError {
  const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 300);
  return new ConfigError({ option: 'features', what: `${file}: cannot be read as a model: ${msg}` });
}
