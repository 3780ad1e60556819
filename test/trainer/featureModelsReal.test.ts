// Real weights end to end: nsfwjs's bundled MobileNetV2 (a dev dependency), written out as the
// tfjs-converter files a user would have (model.json + weight shard), embedded through the same
// loader, preprocessing and cache as any feature model.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { initBackend } from '../../src/trainer/backend/index.js';
import type { CachedImage } from '../../src/trainer/features/embeddingCache.js';
import { embedImages } from '../../src/trainer/features/modelEmbeddings.js';
import { ConfigError } from '../../src/trainer/run/config.js';
import { writeNsfwjsMobileNetV2 } from './nsfwjsModel.js';

const tmp = mkdtempSync(join(tmpdir(), 'clusterlab-nsfwjs-'));
const modelDir = join(tmp, 'mobilenet_v2');
const model = join(modelDir, 'model.json');
const side = join(modelDir, 'model.clusterlab.json');
const images: CachedImage[] = [];
const log: string[] = [];
const hooks = { log: (l: string) => log.push(l) };

before(async () => {
  await writeNsfwjsMobileNetV2(modelDir);
  const imgDir = join(tmp, 'images');
  mkdirSync(imgDir);
  const sample = join(process.cwd(), 'sample', 'fashion');
  const classes = readdirSync(sample, { recursive: true, encoding: 'utf8' }).filter((f) =>
    f.endsWith('.png'),
  );
  // One image from each of six classes, and its mirror image.
  const picked = [...new Map(classes.map((f) => [f.split('/').slice(0, -1).join('/'), f])).values()].slice(
    0,
    6,
  );
  assert.equal(picked.length, 6);
  for (const [i, f] of picked.entries()) {
    for (const flip of [false, true]) {
      const abs = join(imgDir, `${i}${flip ? '-mirror' : ''}.png`);
      await (flip ? sharp(join(sample, f)).flop() : sharp(join(sample, f))).png().toFile(abs);
      const s = statSync(abs);
      images.push({ abs, size: s.size, mtimeMs: s.mtimeMs });
    }
  }
  await initBackend('wasm');
});
after(() => rmSync(tmp, { recursive: true, force: true }));

const cosine = (d: Float32Array, dim: number, a: number, b: number) => {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let j = 0; j < dim; j++) {
    const x = d[a * dim + j]!;
    const y = d[b * dim + j]!;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return ab / Math.sqrt(aa * bb);
};

test('nsfwjs MobileNetV2: stable embeddings, exact cache hits, a changed weight file invalidates, a wrong sidecar is refused', async () => {
  const cache = join(tmp, 'cache');
  const first = await embedImages(model, images, cache, hooks);
  assert.equal(first.stats.computed, images.length);
  const e = first.embeddings;
  assert.equal(e.dim, 1280);
  // Real features: each image is nearer its own mirror image than any other garment.
  for (let i = 0; i < 6; i++) {
    const own = cosine(e.data, e.dim, 2 * i, 2 * i + 1);
    for (let j = 0; j < 12; j++) {
      if (j === 2 * i || j === 2 * i + 1) continue;
      assert.ok(
        own > cosine(e.data, e.dim, 2 * i, j),
        `image ${i}: mirror ${own.toFixed(3)} vs image ${j} ${cosine(e.data, e.dim, 2 * i, j).toFixed(3)}`,
      );
    }
  }
  // Computed again from nothing: the very same values.
  const fresh = await embedImages(model, images, join(tmp, 'cache-2'), hooks);
  assert.deepEqual(fresh.embeddings.data, e.data);
  // From the cache: nothing computed, the same values.
  const hit = await embedImages(model, images, cache, hooks);
  assert.equal(hit.stats.computed, 0);
  assert.deepEqual(hit.embeddings.data, e.data);
  // One weight byte changed: another model, every row computed again.
  const shard = join(
    modelDir,
    readdirSync(modelDir).find((f) => f.startsWith('group1-shard'))!,
  );
  const w = readFileSync(shard);
  w[w.length >> 1]! ^= 0x40;
  writeFileSync(shard, w);
  const changed = await embedImages(model, images, cache, hooks);
  assert.equal(changed.stats.computed, images.length);
  assert.notDeepEqual(changed.embeddings.data, e.data);
  // A sidecar written for another model.
  writeFileSync(side, JSON.stringify({ output: 'flatten_1', size: 299, mean: [0, 0, 0], std: [1, 1, 1] }));
  await assert.rejects(embedImages(model, images, cache, hooks), (err: Error) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.message, `${side}: size: 299, but the model's input is 224x224`);
    return true;
  });
  writeFileSync(side, JSON.stringify({ output: 'dense_9', mean: [0, 0, 0], std: [1, 1, 1] }));
  await assert.rejects(
    embedImages(model, images, cache, hooks),
    /model\.clusterlab\.json: output: the model has no output "dense_9" \(its outputs: dense_3, input_1, Conv1_pad/,
  );
});
