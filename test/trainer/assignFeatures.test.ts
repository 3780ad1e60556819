// `clusterlab assign` on runs that clustered a feature model's embeddings (an ONNX graph written
// here): new images are embedded through the run's own model and assigned with its centroids or
// head, so training images land in their training clusters, also through a cold embedding cache;
// a model file that changed or is gone, or a sidecar edited since training, is refused in one line.
import assert from 'node:assert/strict';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseAssignments } from '../../src/common/runFiles.js';
import { initBackend } from '../../src/trainer/backend/index.js';
import { EmbeddingCache } from '../../src/trainer/features/embeddingCache.js';
import { Embedder } from '../../src/trainer/features/modelEmbeddings.js';
import { Assigner } from '../../src/trainer/run/assign.js';
import { assignFolder } from '../../src/trainer/run/assignFolder.js';
import { defaultConfig } from '../../src/trainer/run/config.js';
import { train } from '../../src/trainer/run/train.js';
import { assignsLikeTrainingOf, startCli } from './harness.js';
import { tinyConvModel } from './onnxWriter.js';
import { makeSyntheticClasses } from './syntheticClasses.js';

const tmp = mkdtempSync(join(tmpdir(), 'clusterlab-assignfeat-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const data = join(tmp, 'data');
const model = join(tmp, 'model', 'm.onnx');
const cache = join(tmp, 'cache');
const run = join(tmp, 'run');
let training: Map<string, number>;

before(async () => {
  await makeSyntheticClasses(data, 12);
  mkdirSync(join(tmp, 'model'));
  writeFileSync(model, tinyConvModel({ size: 32, width: 8 }));
  const r = await startCli([
    'train',
    '--method',
    'kmeans',
    '--features',
    model,
    '--data',
    data,
    '--clusters',
    '4',
    '--epochs',
    '1',
    '--backend',
    'wasm',
    '--cache',
    cache,
    '--out',
    run,
  ]).done;
  assert.equal(r.code, 0, r.stderr);
  training = new Map(
    parseAssignments(readFileSync(join(run, 'assignments.csv'), 'utf8')).map((a) => [a.path, a.cluster]),
  );
  // More than one cluster, or "lands in its training cluster" would hold for anything.
  assert.ok(new Set(training.values()).size > 1);
});

const assign = (args: string[]) => startCli(['assign', run, '--backend', 'wasm', ...args]).done;

test('CLI: copies of training images keep their training clusters through a cold cache; a file that does not decode is skipped with its reason', async () => {
  const photos = join(tmp, 'photos');
  mkdirSync(join(photos, 'old'), { recursive: true });
  const copied = [...training.keys()];
  for (const p of copied) copyFileSync(join(data, p), join(photos, 'old', p.replace('/', '-')));
  await makeSyntheticClasses(join(photos, 'new'), 2, 16, 5);
  writeFileSync(join(photos, 'broken.png'), 'not a png');
  // A cache of its own: every image is embedded again by the model, not read back from training's rows.
  const r = await assign(['--data', photos, '--cache', join(tmp, 'cold')]);
  assert.equal(r.code, 0, r.stderr);
  const rows = parseAssignments(readFileSync(join(run, 'assigned', 'photos', 'assignments.csv'), 'utf8'));
  assert.equal(rows.length, copied.length + 8);
  for (const p of copied)
    assert.equal(rows.find((a) => a.path === `old/${p.replace('/', '-')}`)?.cluster, training.get(p), p);
  const header = JSON.parse(readFileSync(join(run, 'assigned', 'photos', 'assigned.json'), 'utf8')) as {
    skipped: { path: string; reason: string }[];
  };
  assert.equal(header.skipped.length, 1);
  assert.equal(header.skipped[0]!.path, 'broken.png');
  assert.ok(existsSync(join(tmp, 'cold', 'embeddings')), 'the new images went through the embedding cache');
});

test('kmeans, scanhead and temi runs on a feature model assign every training image to its cluster with its confidence', async () => {
  await initBackend('cpu');
  for (const method of ['kmeans', 'scanhead', 'temi'] as const) {
    const out = join(tmp, `inproc-${method}`);
    const epochs = method === 'kmeans' ? 1 : 3;
    const params: Record<string, number> =
      method === 'scanhead'
        ? { selflabelEpochs: 1, heads: 2, neighbours: 5 }
        : method === 'temi'
          ? { heads: 2, neighbours: 5, hidden: 16, bottleneck: 8 }
          : {};
    const config = {
      ...defaultConfig(method, data),
      backend: 'cpu' as const,
      clusters: 4,
      epochs,
      batchSize: 16,
      features: model,
      params,
    };
    const r = await train(config, out, cache, { log: () => {} });
    assert.equal(r.run.status, 'done', `${method}: ${r.run.error}`);
    assert.ok(existsSync(join(out, 'feature-model.json')), `${method}: the run records its feature model`);
    // Through the training cache (exact rows) and a cold one (recomputed): the same clusters and confidences.
    await assignsLikeTrainingOf(out, data, cache);
    await assignsLikeTrainingOf(out, data, join(tmp, `cold-${method}`));
  }
});

test('assigning a folder of more than one batch opens the embedding cache once, and unlocks it at the end', async () => {
  await initBackend('wasm');
  const many = join(tmp, 'many');
  mkdirSync(many);
  const first = [...training.keys()][0]!;
  // 600 images: two of assignFolder's 512-image batches.
  for (let i = 0; i < 600; i++) copyFileSync(join(data, first), join(many, `${i}.png`));
  const open = EmbeddingCache.open.bind(EmbeddingCache);
  let opened = 0;
  EmbeddingCache.open = (...a) => (opened++, open(...a));
  try {
    const r = await assignFolder(new Assigner(async () => {}, join(tmp, 'many-cache')), run, many, {
      out: join(tmp, 'many-out', 'assignments.csv'),
    });
    assert.equal(r.header.assigned, 600);
    assert.deepEqual(
      new Set(parseAssignments(readFileSync(r.csv, 'utf8')).map((a) => a.cluster)),
      new Set([training.get(first)]),
    );
    assert.equal(opened, 1, 'one open for both batches');
  } finally {
    EmbeddingCache.open = open;
  }
  // Closed at the end: the next opener holds the lock (it would read only, were the cache still held).
  const again = await Embedder.open(model, () => {});
  const held = await again.openCache(join(tmp, 'many-cache'));
  assert.equal(held.writable, true);
  await held.cache.close();
  await again.dispose();
});

test('a changed model file, a missing one, or an edited sidecar is refused with one line, and nothing is written', async () => {
  const one = join(tmp, 'one');
  mkdirSync(one);
  copyFileSync(join(data, [...training.keys()][0]!), join(one, 'a.png'));
  const refused = async (pattern: RegExp) => {
    const r = await assign(['--data', one, '--cache', cache]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr.trim(), pattern);
    assert.ok(!existsSync(join(run, 'assigned', 'one')));
  };
  const original = readFileSync(model);
  writeFileSync(model, tinyConvModel({ size: 32, width: 8, seed: 2 }));
  await refused(
    new RegExp(
      `^clusterlab: the run's feature model ${model}: the model file changed since the run was trained \\(sha256 [0-9a-f]{12}, the run's [0-9a-f]{12}\\); put the run's model back, or train a new run$`,
    ),
  );
  renameSync(model, `${model}.moved`);
  await refused(new RegExp(`^clusterlab: the run's feature model ${model}: no such file$`));
  writeFileSync(model, original);
  const sidecar = join(tmp, 'model', 'm.clusterlab.json');
  writeFileSync(sidecar, JSON.stringify({ resize: 'stretch' }));
  await refused(
    new RegExp(
      `^clusterlab: ${sidecar}: resize is "stretch", the run was trained with "crop"; restore it, or train a new run$`,
    ),
  );
  rmSync(sidecar);
  // The model as trained: assigned again.
  const r = await assign(['--data', one, '--cache', cache]);
  assert.equal(r.code, 0, r.stderr);
});

test('a resume with another model file than the run recorded is refused before anything is embedded', async () => {
  const { resume } = await import('../../src/trainer/run/train.js');
  const out = join(tmp, 'inproc-kmeans');
  const original = readFileSync(model);
  writeFileSync(model, tinyConvModel({ size: 32, width: 8, seed: 3 }));
  const lines: string[] = [];
  try {
    await assert.rejects(
      resume(out, join(tmp, 'cache-resume'), { log: (l) => lines.push(l) }, 2),
      /the model file changed since the run was trained/,
    );
    assert.ok(!lines.some((l) => /to embed/.test(l)), lines.join('\n'));
    assert.ok(!existsSync(join(tmp, 'cache-resume', 'embeddings')), 'nothing embedded');
  } finally {
    writeFileSync(model, original);
  }
});
