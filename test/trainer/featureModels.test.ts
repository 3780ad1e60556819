// Feature models from files, on models the tests make: ONNX graphs written here (onnxWriter.ts) run
// by onnxruntime-node, and a TF.js layers model saved here; the sidecar's preprocessing checked
// value by value; the embedding cache's hits, invalidation, incremental rows, cancel and resume.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { initBackend } from '../../src/trainer/backend/index.js';
import { embedImages, type EmbedHooks } from '../../src/trainer/features/modelEmbeddings.js';
import type { CachedImage } from '../../src/trainer/features/embeddingCache.js';
import { CancelledError } from '../../src/trainer/methods/method.js';
import { ConfigError } from '../../src/trainer/run/config.js';
import { OnnxGraph, tinyConvModel } from './onnxWriter.js';

const tmp = mkdtempSync(join(tmpdir(), 'clusterlab-featmodels-'));
const imgDir = join(tmp, 'images');
const colours: [number, number, number][] = [
  [255, 0, 0],
  [0, 128, 255],
  [20, 200, 40],
  [250, 250, 10],
  [90, 10, 160],
  [0, 0, 0],
  [255, 255, 255],
  [128, 64, 32],
  [10, 90, 90],
  [200, 120, 180],
  [60, 60, 60],
  [33, 180, 230],
  [240, 100, 0],
  [100, 100, 250],
  [5, 50, 5],
  [190, 190, 120],
  [77, 11, 200],
  [1, 2, 3],
];

async function solid(name: string, rgb: [number, number, number], w = 40, h = 30): Promise<CachedImage> {
  const abs = join(imgDir, name);
  await sharp({
    create: { width: w, height: h, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } },
  })
    .png()
    .toFile(abs);
  const s = await stat(abs);
  return { abs, size: s.size, mtimeMs: s.mtimeMs };
}

/** Noise images: a conv model gives each its own embedding. */
async function noise(name: string, seed: number): Promise<CachedImage> {
  const abs = join(imgDir, name);
  const px = Buffer.alloc(48 * 48 * 3);
  let x = seed * 2654435761;
  for (let i = 0; i < px.length; i++) px[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  await sharp(px, { raw: { width: 48, height: 48, channels: 3 } })
    .png()
    .toFile(abs);
  const s = await stat(abs);
  return { abs, size: s.size, mtimeMs: s.mtimeMs };
}

const lines: string[] = [];
const hooks = (extra: Partial<EmbedHooks> = {}): EmbedHooks => ({ log: (l) => lines.push(l), ...extra });
let solids: CachedImage[] = [];
let noisy: CachedImage[] = [];

before(async () => {
  mkdirSync(imgDir, { recursive: true });
  solids = await Promise.all(colours.map((c, i) => solid(`solid${i}.png`, c)));
  noisy = await Promise.all(Array.from({ length: 40 }, (_, i) => noise(`noise${i}.png`, i + 1)));
  await initBackend('cpu');
});
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A model whose output is the per-channel mean of its input: a solid image's embedding is its normalised colour. */
function channelMeanModel(layout: 'NCHW' | 'NHWC', size: number): Uint8Array {
  const g = new OnnxGraph();
  const x = g.input('x', layout === 'NCHW' ? ['N', 3, size, size] : ['N', size, size, 3]);
  g.node('ReduceMean', [x], { axes: layout === 'NCHW' ? [2, 3] : [1, 2], keepdims: 0 }, 'y');
  g.output('y', ['N', 3]);
  return g.encode();
}

/** `bytes` as <tmp>/<folder>/<name>, a folder of its own (its sidecar goes beside it). */
function modelFile(folder: string, name: string, bytes: Uint8Array): string {
  const dir = join(tmp, folder);
  mkdirSync(dir);
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

const half = (x: number) => Math.abs(x) * 2 ** -10 + 1e-4;

test('ONNX: mean/std, channel order and layout from the sidecar reach the model exactly', async () => {
  for (const layout of ['NCHW', 'NHWC'] as const) {
    for (const channels of ['RGB', 'BGR'] as const) {
      const file = modelFile(`mean-${layout}-${channels}`, 'm.onnx', channelMeanModel(layout, 16));
      const mean = [0.5, 0.25, 0.125];
      const std = [0.5, 0.25, 2];
      writeFileSync(
        file.replace(/\.onnx$/, '.clusterlab.json'),
        JSON.stringify({ mean, std, channels, resize: 'stretch' }),
      );
      const { embeddings: e } = await embedImages(file, solids, join(tmp, 'cache'), hooks());
      assert.equal(e.dim, 3);
      solids.forEach((_, i) => {
        const rgb = colours[i]!;
        const order = channels === 'BGR' ? [2, 1, 0] : [0, 1, 2];
        for (let c = 0; c < 3; c++) {
          const src = order[c]!;
          const want = (rgb[src]! / 255 - mean[src]!) / std[src]!;
          const got = e.data[i * 3 + c]!;
          assert.ok(
            Math.abs(got - want) <= half(want),
            `${layout} ${channels} image ${i} channel ${c}: ${got} vs ${want}`,
          );
        }
      });
    }
  }
});

test('ONNX: the same images embed to the same values, and a second call reads them all from the cache', async () => {
  const file = modelFile('tiny', 'tiny.onnx', tinyConvModel({ size: 32, width: 12 }));
  const cache = join(tmp, 'cache-tiny');
  const a = await embedImages(file, noisy, cache, hooks());
  assert.equal(a.stats.computed, noisy.length);
  assert.equal(a.embeddings.dim, 12);
  assert.ok(
    lines.some((l) =>
      /no .*tiny\.clusterlab\.json; inferred layout NCHW \(from the input shape\), size 32/.test(l),
    ),
    'the inferred preprocessing is said',
  );
  // Distinct images, distinct rows: the model really ran on each.
  const rows = new Set(
    Array.from({ length: noisy.length }, (_, i) =>
      Array.from(a.embeddings.data.subarray(i * 12, i * 12 + 12)).join(','),
    ),
  );
  assert.equal(rows.size, noisy.length);
  const b = await embedImages(file, noisy, cache, hooks());
  assert.equal(b.stats.computed, 0);
  assert.equal(b.stats.cached, noisy.length);
  assert.deepEqual(b.embeddings.data, a.embeddings.data);
  // A fresh cache computes them again, to the very same values.
  const c = await embedImages(file, noisy, join(tmp, 'cache-tiny-2'), hooks());
  assert.equal(c.stats.computed, noisy.length);
  assert.deepEqual(c.embeddings.data, a.embeddings.data);
  assert.match(a.embeddings.source, /^model:tiny\.onnx@[0-9a-f]{12}$/);
});

test('ONNX cache: added and changed images compute only their rows; another model file computes everything', async () => {
  const file = modelFile('incr', 'tiny.onnx', tinyConvModel({ size: 32 }));
  const cache = join(tmp, 'cache-incr');
  const first = await embedImages(file, noisy.slice(0, 30), cache, hooks());
  assert.equal(first.stats.computed, 30);
  // 10 new images, and image 3 rewritten with other content.
  const changed = await noise('noise3.png', 999);
  const set = [...noisy.slice(0, 3), changed, ...noisy.slice(4)];
  const second = await embedImages(file, set, cache, hooks());
  assert.equal(second.stats.computed, 11);
  assert.equal(second.stats.cached, 29);
  const d = second.embeddings.dim;
  assert.deepEqual(second.embeddings.data.subarray(0, 3 * d), first.embeddings.data.subarray(0, 3 * d));
  assert.notDeepEqual(
    second.embeddings.data.subarray(3 * d, 4 * d),
    first.embeddings.data.subarray(3 * d, 4 * d),
  );
  noisy[3] = changed;
  // Same path, other weights: the model's content is the key, not its name.
  writeFileSync(file, tinyConvModel({ size: 32, seed: 7 }));
  const third = await embedImages(file, noisy, cache, hooks());
  assert.equal(third.stats.computed, noisy.length);
  assert.notDeepEqual(third.embeddings.data, second.embeddings.data);
});

test('ONNX cache: a cancelled embedding keeps its rows and the next call computes only the rest', async () => {
  const file = modelFile('cancel', 'tiny.onnx', tinyConvModel({ size: 32, seed: 3 }));
  const cache = join(tmp, 'cache-cancel');
  const abort = new AbortController();
  let seen = 0;
  await assert.rejects(
    embedImages(
      file,
      noisy,
      cache,
      hooks({ signal: abort.signal, onEmbed: (done) => ((seen = done), done >= 16 && abort.abort()) }),
    ),
    CancelledError,
  );
  assert.ok(seen >= 16 && seen < noisy.length, `cancelled after ${seen}`);
  const resumed = await embedImages(file, noisy, cache, hooks());
  assert.equal(resumed.stats.cached, seen);
  assert.equal(resumed.stats.computed, noisy.length - seen);
  const fresh = await embedImages(file, noisy, join(tmp, 'cache-cancel-2'), hooks());
  assert.deepEqual(resumed.embeddings.data, fresh.embeddings.data);
});

test('ONNX cache: a row cut short by a kill is dropped, and its image computed again', async () => {
  const file = modelFile('torn', 'tiny.onnx', tinyConvModel({ size: 32, seed: 5 }));
  const cache = join(tmp, 'cache-torn');
  const whole = await embedImages(file, noisy.slice(0, 16), cache, hooks());
  const { readdirSync } = await import('node:fs');
  const sub = join(cache, 'embeddings', readdirSync(join(cache, 'embeddings'))[0]!);
  const rows = readFileSync(join(sub, 'rows.f16'));
  writeFileSync(join(sub, 'rows.f16'), rows.subarray(0, rows.length - 5));
  const again = await embedImages(file, noisy.slice(0, 16), cache, hooks());
  assert.equal(again.stats.computed, 1);
  assert.deepEqual(again.embeddings.data, whole.embeddings.data);
  // The row computed again was appended on a row boundary: read back, it is the same row.
  const third = await embedImages(file, noisy.slice(0, 16), cache, hooks());
  assert.equal(third.stats.computed, 0);
  assert.deepEqual(third.embeddings.data, whole.embeddings.data);
});

test('a sidecar that contradicts the model, or is not one, is refused with one line naming file and field', async () => {
  const file = modelFile('bad', 'm.onnx', tinyConvModel({ size: 32, batch: 'N' }));
  const side = join(tmp, 'bad', 'm.clusterlab.json');
  const cases: [unknown, RegExp][] = [
    [{ size: 224 }, /m\.clusterlab\.json: size: 224, but the model's input is 32x32$/],
    [{ size: 32, colour: 'RGB' }, /m\.clusterlab\.json: unexpected field "colour"$/],
    [{ channels: 'RGBA' }, /m\.clusterlab\.json: channels: expected one of RGB, BGR$/],
    [
      { layout: 'NHWC' },
      /m\.clusterlab\.json: layout: NHWC, but the model's input is \[N, 3, 32, 32\] \(NCHW\)$/,
    ],
    [
      { output: 'logits' },
      /m\.clusterlab\.json: output: the model has no output "logits" \(its outputs: embedding\)$/,
    ],
    [{ std: [0.2, 0, 0.2] }, /m\.clusterlab\.json: std: every value must be positive$/],
    [{ pool: 'cls' }, /m\.clusterlab\.json: pool: "cls", but output "embedding" is already \[N, D\]$/],
  ];
  for (const [body, re] of cases) {
    writeFileSync(side, JSON.stringify(body));
    await assert.rejects(embedImages(file, solids, join(tmp, 'cache-bad'), hooks()), (e: Error) => {
      assert.ok(e instanceof ConfigError, `${JSON.stringify(body)}: ${e.message}`);
      assert.match(e.message, re);
      assert.ok(!e.message.includes('\n'));
      return true;
    });
  }
  writeFileSync(side, '{"size": 32,');
  await assert.rejects(
    embedImages(file, solids, join(tmp, 'cache-bad'), hooks()),
    /m\.clusterlab\.json: not valid JSON/,
  );
});

test('a model that is not an image model, or not a model, is refused naming the file', async () => {
  const dir = join(tmp, 'notimage');
  mkdirSync(dir);
  const g = new OnnxGraph();
  g.node('Relu', [g.input('v', ['N', 64])], {}, 'y');
  g.output('y', ['N', 64]);
  const flat = join(dir, 'flat.onnx');
  writeFileSync(flat, g.encode());
  await assert.rejects(
    embedImages(flat, solids, join(tmp, 'c'), hooks()),
    /flat\.clusterlab\.json: input: the model's input "v" has rank 2 \(\[N, 64\]\); an image model takes/,
  );
  const junk = join(dir, 'junk.onnx');
  writeFileSync(junk, 'not a protobuf at all');
  await assert.rejects(
    embedImages(junk, solids, join(tmp, 'c'), hooks()),
    (e: Error) =>
      e instanceof ConfigError && /^--features .*junk\.onnx: cannot be read as a model: /.test(e.message),
  );
  await assert.rejects(
    embedImages(join(dir, 'missing.onnx'), solids, join(tmp, 'c'), hooks()),
    /missing\.onnx: no such file/,
  );
});

test("TF.js layers model saved at test time: embeddings are its named layer's output on the preprocessed images", async () => {
  const dir = join(tmp, 'tfjs');
  mkdirSync(dir);
  const m = tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [24, 24, 3],
        filters: 6,
        kernelSize: 3,
        activation: 'relu',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }),
        name: 'conv',
      }),
      tfl.layers.globalAveragePooling2d({ name: 'pool' }),
      tfl.layers.dense({
        units: 3,
        activation: 'softmax',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }),
        name: 'head',
      }),
    ],
  });
  await m.save(
    tf.io.withSaveHandler(async (art) => {
      const weights = new Uint8Array(art.weightData as ArrayBuffer);
      writeFileSync(join(dir, 'weights.bin'), weights);
      writeFileSync(
        join(dir, 'model.json'),
        JSON.stringify({
          format: 'layers-model',
          modelTopology: art.modelTopology,
          weightsManifest: [{ paths: ['weights.bin'], weights: art.weightSpecs }],
        }),
      );
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  writeFileSync(
    join(dir, 'model.clusterlab.json'),
    JSON.stringify({ output: 'pool', mean: [0, 0, 0], std: [1, 1, 1] }),
  );
  const images = noisy.slice(0, 20);
  const { embeddings: e, stats } = await embedImages(
    join(dir, 'model.json'),
    images,
    join(tmp, 'cache-tfjs'),
    hooks(),
  );
  assert.equal(stats.computed, 20);
  assert.equal(e.dim, 6);
  // The reference: the same layer through tfjs itself, on the image as sharp gives it at 24 px.
  const pool = tfl.model({ inputs: m.inputs, outputs: m.getLayer('pool').output as tfl.SymbolicTensor });
  for (const i of [0, 7, 19]) {
    const { data } = await sharp(images[i]!.abs)
      .resize(24, 24, { fit: 'cover' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const want = (
      pool.predict(
        tf.tensor4d(
          Float32Array.from(data, (v) => v / 255),
          [1, 24, 24, 3],
        ),
      ) as tf.Tensor
    ).dataSync();
    for (let j = 0; j < 6; j++)
      assert.ok(
        Math.abs(e.data[i * 6 + j]! - want[j]!) <= half(want[j]!),
        `image ${i} dim ${j}: ${e.data[i * 6 + j]} vs ${want[j]}`,
      );
  }
  const again = await embedImages(join(dir, 'model.json'), images, join(tmp, 'cache-tfjs'), hooks());
  assert.equal(again.stats.computed, 0);
  assert.deepEqual(again.embeddings.data, e.data);
  // A changed weight shard is another model.
  const w = readFileSync(join(dir, 'weights.bin'));
  w[0]! ^= 0xff;
  writeFileSync(join(dir, 'weights.bin'), w);
  assert.equal(
    (await embedImages(join(dir, 'model.json'), images, join(tmp, 'cache-tfjs'), hooks())).stats.computed,
    20,
  );
});

test('experiment files: features: is resolved beside the file, and the checks name a missing model, a non-image model and an image method', async () => {
  const { parseExperiment } = await import('../../src/common/experiment/parse.js');
  const { allProblems } = await import('../../src/common/experiment/dataset.js');
  const { inspectFeatureModel } = await import('../../src/trainer/features/inspect.js');
  const dir = join(tmp, 'experiment');
  mkdirSync(dir);
  writeFileSync(join(dir, 'good.onnx'), tinyConvModel({ size: 32 }));
  const g = new OnnxGraph();
  g.node('Relu', [g.input('v', ['N', 64])], {}, 'y');
  g.output('y', ['N', 64]);
  writeFileSync(join(dir, 'flat.onnx'), g.encode());
  const check = async (model: string) => {
    const text = `data: ${imgDir}\nfeatures: ${model}\nruns:\n  - method: cc\n`;
    const exp = parseExperiment(text, join(dir, 'e.clusterlab.yaml'));
    const problems = await allProblems(exp, async () => 100, inspectFeatureModel);
    const at = text.indexOf(model);
    for (const p of problems) assert.equal(p.span.start, at, p.message);
    return { exp, messages: problems.map((p) => p.message) };
  };
  const good = await check('good.onnx');
  assert.equal(good.exp.runs[0]!.config.features, join(dir, 'good.onnx'));
  // No method on this branch clusters embeddings yet: CC is refused for training on images.
  assert.deepEqual(good.messages, [
    'features is for methods that cluster embeddings; cc trains its own network on the images',
  ]);
  const missing = await check('nothere.onnx');
  assert.equal(missing.messages[1], `feature model ${join(dir, 'nothere.onnx')} does not exist`);
  const flat = await check('flat.onnx');
  assert.match(flat.messages[1]!, /flat\.clusterlab\.json: input: the model's input "v" has rank 2/);
});

test('--features with a method that trains on images is refused in one line before any work; the trainer server takes the field', async () => {
  const { defaultConfig, validateConfig } = await import('../../src/trainer/run/config.js');
  const { trainConfigSchema } = await import('../../src/protocol/server.js');
  const { check } = await import('../../src/protocol/schema.js');
  const file = join(tmp, 'tiny', 'tiny.onnx');
  assert.equal(check(trainConfigSchema, { ...defaultConfig('cc', imgDir), features: file }).features, file);
  const { isEmbeddingMethod, METHOD_NAMES } = await import('../../src/common/methods/index.js');
  for (const method of METHOD_NAMES.filter((m) => !isEmbeddingMethod(m))) {
    assert.throws(
      () => validateConfig({ ...defaultConfig(method, imgDir), features: file }),
      (e: Error) =>
        e instanceof ConfigError &&
        new RegExp(
          `^--features: ${method} trains its own network on the images, so it takes no feature model; `,
        ).test(e.message),
    );
  }
});

test('train(): a feature model whose sidecar will not do is refused before a single image is decoded', async () => {
  const { defaultConfig } = await import('../../src/trainer/run/config.js');
  const { train } = await import('../../src/trainer/run/train.js');
  const file = modelFile('early', 'm.onnx', tinyConvModel({ size: 32 }));
  writeFileSync(join(tmp, 'early', 'm.clusterlab.json'), JSON.stringify({ size: 64 }));
  const cache = join(tmp, 'cache-early');
  mkdirSync(cache);
  await assert.rejects(
    train(
      {
        ...defaultConfig('kmeans', imgDir),
        backend: 'cpu',
        clusters: 2,
        epochs: 1,
        imageSize: 8,
        batchSize: 16,
        features: file,
      },
      join(tmp, 'early-run'),
      cache,
      hooks(),
    ),
    (e: Error) =>
      e instanceof ConfigError &&
      /m\.clusterlab\.json: size: 64, but the model's input is 32x32$/.test(e.message),
  );
  const { readdirSync, existsSync } = await import('node:fs');
  assert.deepEqual(readdirSync(cache), [], 'no pixel cache: no image was decoded');
  assert.ok(!existsSync(join(tmp, 'early-run')), 'no run folder');
});

test("train(): an embedding method clusters the feature model's embeddings (the run's features are them), and a second run reads them all from the cache", async () => {
  const { defaultConfig } = await import('../../src/trainer/run/config.js');
  const { train } = await import('../../src/trainer/run/train.js');
  const { readRunFeatures } = await import('../../src/common/features.js');
  const file = modelFile('run', 'm.onnx', tinyConvModel({ size: 32, width: 6 }));
  const cache = join(tmp, 'cache-run');
  mkdirSync(cache);
  const config = {
    ...defaultConfig('kmeans', imgDir),
    backend: 'cpu' as const,
    clusters: 3,
    epochs: 1,
    imageSize: 8,
    features: file,
  };
  lines.length = 0;
  const first = await train(config, join(tmp, 'run-1'), cache, hooks());
  assert.equal(first.run.status, 'done');
  const n = first.run.dataset.images;
  assert.ok(
    lines.some((l) => new RegExp(`: 0 of ${n} images cached, ${n} to embed$`).test(l)),
    lines.join('\n'),
  );
  // The model's 6 dims, not the 8x8x3 pixels: the run clustered the embeddings.
  assert.equal((await readRunFeatures(join(tmp, 'run-1')))!.meta.dims, 6);
  lines.length = 0;
  const second = await train(config, join(tmp, 'run-2'), cache, hooks());
  assert.ok(
    lines.some((l) => new RegExp(`: ${n} of ${n} images cached, 0 to embed$`).test(l)),
    lines.join('\n'),
  );
  assert.deepEqual(
    await readFile(join(tmp, 'run-2', 'assignments.csv'), 'utf8'),
    await readFile(join(tmp, 'run-1', 'assignments.csv'), 'utf8'),
  );
  assert.equal(second.run.status, 'done');
});
