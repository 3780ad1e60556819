// How images become a feature model's input: from the sidecar JSON next to the model
// (<model name without extension>.clusterlab.json), or inferred from the model's input shape, and
// then said so. A sidecar that contradicts the model is refused with one line naming file and field.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { arr, check, int, num, obj, oneOf, opt, str, type Infer } from '../../protocol/schema.js';
import { ConfigError } from '../run/config.js';

const sidecarSchema = obj({
  /** Side of the square input, pixels. */
  size: opt(int(8, 4096)),
  /** 'crop': shorter side to resizeTo, then the centre size x size; 'stretch': to size x size, aspect ignored. */
  resize: opt(oneOf('crop', 'stretch')),
  /** Shorter side before the centre crop (torchvision's Resize(256) + CenterCrop(224)); default: size. */
  resizeTo: opt(int(8, 8192)),
  /** Per channel (in RGB order), applied to pixels scaled to [0, 1]: (x - mean) / std. */
  mean: opt(arr(num, 3)),
  std: opt(arr(num, 3)),
  channels: opt(oneOf('RGB', 'BGR')),
  layout: opt(oneOf('NCHW', 'NHWC')),
  /** The model's input to feed (default its first). */
  input: opt(str(256)),
  /** Which output is the embedding (default the first). */
  output: opt(str(256)),
  /** A spatial output [N,C,H,W] / [N,H,W,C]: 'mean' pools it; a token output [N,T,D]: 'cls' (token 0) or 'mean'. */
  pool: opt(oneOf('mean', 'cls', 'none')),
});
export type Sidecar = Infer<typeof sidecarSchema>;

/** Everything that changes the embedding of an image besides the model's weights: part of the cache key. */
export interface Preprocessing {
  size: number;
  resize: 'crop' | 'stretch';
  resizeTo: number;
  mean: [number, number, number];
  std: [number, number, number];
  channels: 'RGB' | 'BGR';
  layout: 'NCHW' | 'NHWC';
  input: string;
  output: string;
  pool: 'mean' | 'cls' | 'none';
}

/** A model's input and outputs as its file declares them; dims are numbers, or names/-1/null when free. */
export interface ModelSignature {
  inputs: { name: string; shape: readonly (number | string | null)[] }[];
  outputs: { name: string; shape: readonly (number | string | null)[] }[];
}

/** ImageNet's statistics: what torchvision, timm and DINOv2 models expect. */
const IMAGENET_MEAN: [number, number, number] = [0.485, 0.456, 0.406];
const IMAGENET_STD: [number, number, number] = [0.229, 0.224, 0.225];

export function sidecarPathOf(model: string): string {
  const file = basename(model);
  return join(dirname(model), `${file.slice(0, file.length - extname(file).length)}.clusterlab.json`);
}

/** A model's input or output names for a message: a layers model has one per layer. */
const names = (list: readonly { name: string }[]) =>
  `${list
    .slice(0, 8)
    .map((v) => v.name)
    .join(', ')}${list.length > 8 ? `, ... (${list.length} in all)` : ''}`;

const fixed = (d: number | string | null | undefined): number | undefined =>
  typeof d === 'number' && d > 0 ? d : undefined;

/**
 * The preprocessing for `model`: its sidecar's fields over what the signature implies. `note` says
 * what was inferred rather than read, for the user (undefined when the sidecar settles everything).
 */
export async function preprocessingFor(
  model: string,
  sig: ModelSignature,
): Promise<{ prep: Preprocessing; note?: string }> {
  const file = sidecarPathOf(model);
  let side: Sidecar = {};
  if (existsSync(file)) {
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(file, 'utf8'));
    } catch (e) {
      throw new ConfigError(`${file}: not valid JSON (${(e as Error).message})`);
    }
    try {
      side = check(sidecarSchema, raw);
    } catch (e) {
      throw new ConfigError(`${file}: ${(e as Error).message.replace(/^value: /, '')}`);
    }
  }
  return resolvePreprocessing(file, side, sig, existsSync(file));
}

export function resolvePreprocessing(
  file: string,
  side: Sidecar,
  sig: ModelSignature,
  fromFile: boolean,
): { prep: Preprocessing; note?: string } {
  const bad = (field: string, what: string): never => {
    throw new ConfigError(`${file}: ${field}: ${what}`);
  };
  const input = side.input ?? sig.inputs[0]?.name ?? bad('input', 'the model has no inputs');
  const inShape =
    sig.inputs.find((i) => i.name === input)?.shape ??
    bad('input', `the model has no input "${input}" (its inputs: ${names(sig.inputs)})`);
  const output = side.output ?? sig.outputs[0]?.name ?? bad('output', 'the model has no outputs');
  const outShape =
    sig.outputs.find((o) => o.name === output)?.shape ??
    bad('output', `the model has no output "${output}" (its outputs: ${names(sig.outputs)})`);
  if (inShape.length !== 4)
    bad(
      'input',
      `the model's input "${input}" has rank ${inShape.length} ([${inShape.join(', ')}]); an image model takes [N, 3, H, W] or [N, H, W, 3]`,
    );
  const inferred: string[] = [];
  const layoutOfShape = fixed(inShape[1]) === 3 ? 'NCHW' : fixed(inShape[3]) === 3 ? 'NHWC' : undefined;
  const layout = side.layout ?? layoutOfShape ?? 'NCHW';
  if (side.layout && layoutOfShape && side.layout !== layoutOfShape)
    bad('layout', `${side.layout}, but the model's input is [${inShape.join(', ')}] (${layoutOfShape})`);
  if (!side.layout)
    inferred.push(
      layoutOfShape
        ? `layout ${layout} (from the input shape)`
        : `layout ${layout} (a guess: the input [${inShape.join(', ')}] does not say)`,
    );
  const [hDim, wDim] = layout === 'NCHW' ? [inShape[2], inShape[3]] : [inShape[1], inShape[2]];
  const h = fixed(hDim);
  const w = fixed(wDim);
  if (h !== undefined && w !== undefined && h !== w)
    bad('size', `the model's input is ${h}x${w}; only square inputs are supported`);
  const modelSize = h ?? w;
  if (side.size !== undefined && modelSize !== undefined && side.size !== modelSize)
    bad('size', `${side.size}, but the model's input is ${modelSize}x${modelSize}`);
  const size = side.size ?? modelSize ?? 224;
  if (side.size === undefined)
    inferred.push(
      modelSize !== undefined
        ? `size ${size} (from the input shape)`
        : `size ${size} (a guess: the input size is free)`,
    );
  const resizeTo = side.resizeTo ?? size;
  if (resizeTo < size) bad('resizeTo', `${resizeTo} is smaller than size ${size}`);
  if (side.resizeTo !== undefined && side.resize === 'stretch')
    bad('resizeTo', 'only applies to resize "crop"');
  for (const [k, v] of [
    ['mean', side.mean],
    ['std', side.std],
  ] as const)
    if (v && v.length !== 3) bad(k, `needs 3 numbers (R, G, B), got ${v.length}`);
  if (side.std?.some((s) => s <= 0)) bad('std', 'every value must be positive');
  if (!side.mean || !side.std) inferred.push("ImageNet's mean/std");
  if (!side.channels) inferred.push('RGB order');
  if (!side.resize) inferred.push('centre crop');
  const outRank = outShape.length;
  const pool = side.pool ?? (outRank === 4 ? 'mean' : outRank === 3 ? 'cls' : 'none');
  if (pool !== 'none' && outRank === 2) bad('pool', `"${pool}", but output "${output}" is already [N, D]`);
  if (pool === 'none' && outRank > 2)
    bad(
      'pool',
      `"none", but output "${output}" has rank ${outRank}: say "mean"${outRank === 3 ? ' or "cls"' : ''}`,
    );
  if (pool === 'cls' && outRank !== 3)
    bad('pool', `"cls" needs a token output [N, T, D]; "${output}" has rank ${outRank}`);
  if (!side.pool && outRank > 2)
    inferred.push(
      `${pool === 'cls' ? 'the first (CLS) token' : 'mean pooling'} of the rank-${outRank} output`,
    );
  const prep: Preprocessing = {
    size,
    resize: side.resize ?? 'crop',
    resizeTo,
    mean: (side.mean as [number, number, number] | undefined) ?? IMAGENET_MEAN,
    std: (side.std as [number, number, number] | undefined) ?? IMAGENET_STD,
    channels: side.channels ?? 'RGB',
    layout,
    input,
    output,
    pool,
  };
  const note = inferred.length
    ? `${fromFile ? `${file} leaves out` : `no ${file}; inferred`} ${inferred.join(', ')}`
    : undefined;
  return { prep, note };
}
