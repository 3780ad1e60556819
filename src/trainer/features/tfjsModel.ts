// TF.js feature models from tfjs-converter's output (model.json + weight shards beside it), on the
// run's tfjs backend. Layers models may name any layer as the output; graph models their outputs.
import * as tf from '@tensorflow/tfjs-core';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import {
  loadLayersModel,
  model as layersModel,
  type LayersModel,
  type SymbolicTensor,
} from '@tensorflow/tfjs-layers';
import { readFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { ConfigError } from '../run/config.js';
import type { FeatureModel } from './featureModel.js';
import { unreadable } from './featureModel.js';
import type { ModelSignature } from './sidecar.js';

interface ModelJson {
  format?: string;
  modelTopology?: { model_config?: unknown; class_name?: string; node?: unknown };
  weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/** The shard files model.json names, each inside its folder (a manifest cannot read elsewhere). */
function shardFiles(file: string, json: ModelJson): string[] {
  const dir = dirname(file);
  return (json.weightsManifest ?? []).flatMap((g) =>
    g.paths.map((p) => {
      const abs = resolve(dir, p);
      if (!abs.startsWith(dir + sep))
        throw new ConfigError({
          option: 'features',
          what: `${file}: weightsManifest path ${JSON.stringify(p)} leaves the model's folder`,
        });
      return abs;
    }),
  );
}

function fileHandler(json: ModelJson, shards: string[]): tf.io.IOHandler {
  return {
    load: () =>
      tf.io.getModelArtifactsForJSON(json as tf.io.ModelJSON, async (manifest) => {
        const buffers = await Promise.all(shards.map((s) => readFile(s)));
        const weightData = tf.io.concatenateArrayBuffers(
          buffers.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)),
        );
        return [manifest.flatMap((g) => g.weights), weightData];
      }),
  };
}

const dims = (s: readonly (number | null)[] | undefined) =>
  (s ?? []).map((d) => (d === null || d < 0 ? null : d));

export async function openTfjsModel(file: string): Promise<FeatureModel> {
  let json: ModelJson;
  try {
    json = JSON.parse(await readFile(file, 'utf8')) as ModelJson;
  } catch (e) {
    throw unreadable(file, e);
  }
  if (!json.modelTopology || !json.weightsManifest)
    throw new ConfigError({
      option: 'features',
      what: `${file}: not a TF.js model.json (no modelTopology and weightsManifest)`,
    });
  const shards = shardFiles(file, json);
  const isGraph = json.format === 'graph-model' || json.modelTopology.node !== undefined;
  const device = `tfjs ${tf.getBackend()}`;
  const files = [file, ...shards];
  try {
    if (isGraph)
      return graphFeatureModel(file, await loadGraphModel(fileHandler(json, shards)), device, files);
    return layersFeatureModel(file, await loadLayersModel(fileHandler(json, shards)), device, files, json);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw unreadable(file, e);
  }
}

function graphFeatureModel(file: string, m: GraphModel, device: string, files: string[]): FeatureModel {
  const signature: ModelSignature = {
    inputs: m.inputs.map((t) => ({ name: t.name, shape: dims(t.shape) })),
    outputs: m.outputs.map((t) => ({ name: t.name, shape: dims(t.shape) })),
  };
  return {
    file,
    kind: 'tfjs-graph',
    signature,
    device,
    files,
    async run(input, n, prep) {
      const shape = prep.layout === 'NCHW' ? [n, 3, prep.size, prep.size] : [n, prep.size, prep.size, 3];
      const x = tf.tensor(input, shape, 'float32');
      try {
        const y = (await m.executeAsync({ [prep.input]: x }, prep.output)) as tf.Tensor;
        const data = (await y.data()) as Float32Array;
        const out = { data, shape: y.shape };
        y.dispose();
        return out;
      } finally {
        x.dispose();
      }
    },
    dispose: async () => void m.dispose(),
  };
}

/** Every layer name model.json holds (layer names are what a sidecar's `output` names). */
function jsonLayerNames(topology: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(topology)) for (const x of topology) jsonLayerNames(x, into);
  else if (topology && typeof topology === 'object') {
    const o = topology as Record<string, unknown>;
    if (Array.isArray(o.layers))
      for (const l of o.layers as { name?: unknown; config?: { name?: unknown } }[]) {
        const name = l?.name ?? l?.config?.name;
        if (typeof name === 'string') into.add(name);
      }
    for (const v of Object.values(o)) jsonLayerNames(v, into);
  }
  return into;
}

/**
 * Every layer is a possible output (a classifier's penultimate layer is the usual embedding). tfjs
 * renames a loaded layer whose name a model already in memory uses (pool -> pool_1); names are
 * given as model.json has them, so the sidecar and the cache key do not depend on what else is loaded.
 */
function layersFeatureModel(
  file: string,
  m: LayersModel,
  device: string,
  files: string[],
  json: ModelJson,
): FeatureModel {
  const known = jsonLayerNames(json.modelTopology);
  const canonical = (name: string) =>
    known.has(name) ? name : known.has(name.replace(/_\d+$/, '')) ? name.replace(/_\d+$/, '') : name;
  const byName = new Map(m.layers.map((l) => [canonical(l.name), l]));
  const last = m.outputs.map((t) => t.sourceLayer);
  const outputs = [...last, ...m.layers.filter((l) => !last.includes(l))];
  const signature: ModelSignature = {
    // A Sequential model's input layer is implied, so not in model.json: its counter is dropped.
    inputs: m.inputs.map((t) => ({
      name: known.has(t.sourceLayer.name) ? t.sourceLayer.name : t.sourceLayer.name.replace(/_\d+$/, ''),
      shape: dims(t.shape),
    })),
    outputs: outputs.map((l) => ({
      name: canonical(l.name),
      shape: dims(l.outputShape as (number | null)[]),
    })),
  };
  const cut = new Map<string, LayersModel>();
  return {
    file,
    kind: 'tfjs-layers',
    signature,
    device,
    files,
    async run(input, n, prep) {
      let sub = cut.get(prep.output);
      if (!sub) {
        const layer = byName.get(prep.output);
        if (!layer) throw new Error(`${file}: no layer ${prep.output}`);
        sub =
          last.length === 1 && last[0] === layer
            ? m
            : layersModel({ inputs: m.inputs, outputs: layer.output as SymbolicTensor });
        cut.set(prep.output, sub);
      }
      const y = tf.tidy(
        () => sub.predict(tf.tensor(input, [n, prep.size, prep.size, 3], 'float32')) as tf.Tensor,
      );
      const out = { data: (await y.data()) as Float32Array, shape: y.shape };
      y.dispose();
      return out;
    },
    dispose: async () => void m.dispose(),
  };
}
