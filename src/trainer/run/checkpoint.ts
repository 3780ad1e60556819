import * as tf from '@tensorflow/tfjs-core';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../../common/atomicFile.js';
import { readRunBinary, readRunText } from '../../common/runFileRead.js';
import type { MethodName } from '../../protocol/run.js';
import type { ParamSet } from '../models/layers.js';

/**
 * A checkpoint is checkpoint/weights-<epoch>.bin (float32 tensors back to back) and
 * checkpoint/manifest.json naming them. The manifest is written last and atomically, so it is the
 * commit point: a crash at any moment leaves the previous manifest and its weights file intact.
 */

interface TensorEntry {
  name: string;
  group: 'model' | 'optimizer';
  shape: number[];
  offset: number;
}

interface Manifest {
  format: 'clusterlab-checkpoint';
  version: 1;
  method: MethodName;
  epoch: number;
  file: string;
  bytes: number;
  tensors: TensorEntry[];
}

const MANIFEST = 'manifest.json';
const WEIGHTS_FILE = /^weights-\d+\.bin$/;

export class CheckpointError extends Error {
  constructor(dir: string, what: string) {
    super(`${join(dir, MANIFEST)} is not a usable ClusterLab checkpoint: ${what}`);
    this.name = 'CheckpointError';
  }
}

export async function saveCheckpoint(
  dir: string,
  method: MethodName,
  epoch: number,
  params: ParamSet,
  optimizer: tf.Optimizer,
): Promise<void> {
  const named: { name: string; group: TensorEntry['group']; tensor: tf.Tensor }[] = [];
  for (const [name, v] of params.all()) named.push({ name, group: 'model', tensor: v });
  // Adam restores its slots by position; the names are for people reading the manifest.
  for (const w of await optimizer.getWeights())
    named.push({ name: params.logicalName(w.name), group: 'optimizer', tensor: w.tensor });

  const tensors: TensorEntry[] = [];
  let offset = 0;
  for (const t of named) {
    tensors.push({ name: t.name, group: t.group, shape: t.tensor.shape, offset });
    offset += t.tensor.size * 4;
  }
  const buf = new Uint8Array(offset);
  for (let i = 0; i < named.length; i++) {
    const data = await named[i]!.tensor.data<'float32'>();
    buf.set(new Uint8Array(Float32Array.from(data).buffer), tensors[i]!.offset);
  }
  const file = `weights-${epoch}.bin`;
  const manifest: Manifest = {
    format: 'clusterlab-checkpoint',
    version: 1,
    method,
    epoch,
    file,
    bytes: offset,
    tensors,
  };
  try {
    await writeFileAtomic(join(dir, file), buf);
    await writeJsonAtomic(join(dir, MANIFEST), manifest);
  } catch (e) {
    // The old manifest still names the old weights, so that checkpoint is whole; the new weights
    // file (if it got written) is unreferenced, and on a full disk its space is wanted back.
    const kept = await checkpointEpoch(dir).catch(() => 0);
    if (kept !== epoch) await rm(join(dir, file), { force: true });
    const what = kept > 0 ? `the checkpoint of epoch ${kept} is kept` : 'there is no earlier checkpoint';
    throw Object.assign(new Error(`${(e as Error).message}; ${what}`, { cause: e }), {
      code: (e as NodeJS.ErrnoException).code,
    });
  }
  // Older weights are unreferenced once the new manifest is in place.
  for (const f of await readdir(dir))
    if (WEIGHTS_FILE.test(f) && f !== file) await rm(join(dir, f), { force: true });
}

/** Epoch of the checkpoint in dir, or 0 when there is none. */
export async function checkpointEpoch(dir: string): Promise<number> {
  try {
    return (await readManifest(dir)).epoch;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw e;
  }
}

async function readManifest(dir: string): Promise<Manifest> {
  const text = await readRunText(dir, MANIFEST);
  if (text === undefined)
    throw Object.assign(new Error(`${join(dir, MANIFEST)} does not exist`), { code: 'ENOENT' });
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    throw new CheckpointError(dir, 'manifest is not JSON');
  }
  validateManifest(dir, m);
  return m;
}

/** Structure check of untrusted JSON: we load numbers into known variables and execute nothing. */
function validateManifest(dir: string, m: unknown): asserts m is Manifest {
  const bad = (what: string): never => {
    throw new CheckpointError(dir, what);
  };
  if (typeof m !== 'object' || m === null) bad('manifest is not an object');
  const o = m as Record<string, unknown>;
  if (o.format !== 'clusterlab-checkpoint' || o.version !== 1) bad('unknown format or version');
  if (typeof o.method !== 'string') bad('no method');
  if (!Number.isInteger(o.epoch) || (o.epoch as number) < 0) bad('epoch is not a whole number');
  if (typeof o.file !== 'string' || !WEIGHTS_FILE.test(o.file))
    bad('weights file name is not weights-<epoch>.bin');
  if (!Number.isInteger(o.bytes) || (o.bytes as number) < 0) bad('byte count is not a whole number');
  if (!Array.isArray(o.tensors)) bad('no tensor list');
  for (const t of o.tensors as unknown[]) {
    const e = t as Record<string, unknown>;
    const shapeOk = Array.isArray(e.shape) && e.shape.every((d) => Number.isInteger(d) && d >= 0);
    if (
      typeof e.name !== 'string' ||
      (e.group !== 'model' && e.group !== 'optimizer') ||
      !shapeOk ||
      !Number.isInteger(e.offset)
    ) {
      bad(`malformed tensor entry ${JSON.stringify(t).slice(0, 80)}`);
    }
    const size = (e.shape as number[]).reduce((a, b) => a * b, 1) * 4;
    if ((e.offset as number) < 0 || (e.offset as number) + size > (o.bytes as number))
      bad(`tensor ${String(e.name)} lies outside the weights file`);
  }
}

/**
 * Restores model variables and optimizer state in place; returns the checkpoint's epoch.
 * `otherImages`: the checkpoint was trained on another set of images (a retrain after exclusions),
 * so state with a row per image (SCAN's mined neighbours, DeepCluster's kept clusters: never
 * trained, first dimension the image count) is left as the model made it instead of refused.
 */
export async function loadCheckpoint(
  dir: string,
  method: MethodName,
  params: ParamSet,
  optimizer: tf.Optimizer,
  otherImages = false,
): Promise<number> {
  const m = await readManifest(dir);
  if (m.method !== method) throw new CheckpointError(dir, `it was written by ${m.method}, not ${method}`);
  let bytes: Buffer | undefined;
  try {
    bytes = await readRunBinary(dir, m.file, m.bytes, 'the manifest');
  } catch (e) {
    // The error names the manifest's folder already: the weights file is named within it.
    throw new CheckpointError(dir, (e as Error).message.replace(join(dir, m.file), m.file));
  }
  if (!bytes) throw new CheckpointError(dir, `${m.file} is missing`);
  const read = (e: TensorEntry) => {
    const n = e.shape.reduce((a, b) => a * b, 1);
    return new Float32Array(
      bytes.buffer.slice(bytes.byteOffset + e.offset, bytes.byteOffset + e.offset + n * 4),
    );
  };

  const vars = params.all();
  const model = m.tensors.filter((t) => t.group === 'model');
  if (model.length !== vars.size)
    throw new CheckpointError(dir, `it has ${model.length} model tensors, this model has ${vars.size}`);
  for (const e of model) {
    const v = vars.get(e.name);
    if (!v) throw new CheckpointError(dir, `this model has no variable ${e.name}`);
    if (v.shape.join('x') !== e.shape.join('x') && !(otherImages && perImage(params, e, v)))
      throw new CheckpointError(
        dir,
        `${e.name} is ${e.shape.join('x')}, the model's is ${v.shape.join('x')}`,
      );
  }
  tf.tidy(() => {
    for (const e of model) {
      const v = vars.get(e.name)!;
      if (v.shape.join('x') === e.shape.join('x')) v.assign(tf.tensor(read(e), e.shape));
    }
  });
  const opt = m.tensors
    .filter((t) => t.group === 'optimizer')
    .map((e) => ({ name: e.name, tensor: tf.tensor(read(e), e.shape) }));
  // The optimizer's variables share these tensors' data by reference count, so ours can go.
  if (opt.length > 0) await optimizer.setWeights(opt);
  tf.dispose(opt.map((o) => o.tensor));
  return m.epoch;
}

/** State (not trained) that differs from the model's only in its first dimension: a row per image. */
function perImage(params: ParamSet, e: TensorEntry, v: tf.Variable): boolean {
  return (
    !params.trainable.has(e.name) &&
    e.shape.length === v.shape.length &&
    e.shape.slice(1).join('x') === v.shape.slice(1).join('x')
  );
}
