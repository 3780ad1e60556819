// nsfwjs's bundled MobileNetV2 (a dev dependency: the only real image weights here) written out as
// the tfjs-converter files a user would have (model.json + weight shards) and its sidecar, for the
// real-weights test and the feature-model quality bench.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

interface NsfwModel {
  modelJson: () => Promise<{ default: { modelTopology: unknown; weightsManifest: { paths: string[] }[] } }>;
  weightBundles: (() => Promise<{ default: string }>)[];
}

/** Writes the model into `dir` (created); returns the path of its model.json. */
export async function writeNsfwjsMobileNetV2(dir: string): Promise<string> {
  const { MobileNetV2Model: m } = createRequire(import.meta.url)('nsfwjs/models/mobilenet_v2') as {
    MobileNetV2Model: NsfwModel;
  };
  const json = (await m.modelJson()).default;
  mkdirSync(dir, { recursive: true });
  const paths = json.weightsManifest.flatMap((g) => g.paths);
  assert.equal(paths.length, m.weightBundles.length);
  for (const [i, p] of paths.entries())
    writeFileSync(join(dir, p), Buffer.from((await m.weightBundles[i]!()).default, 'base64'));
  const model = join(dir, 'model.json');
  writeFileSync(model, JSON.stringify(json));
  // nsfwjs feeds pixels / 255; the embedding is the pooled 1280 features before its classifier.
  writeFileSync(
    join(dir, 'model.clusterlab.json'),
    JSON.stringify({ output: 'flatten_1', mean: [0, 0, 0], std: [1, 1, 1], resize: 'stretch' }),
  );
  return model;
}
