// The embedding methods must learn, through the calls a run makes (embeddingRun.ts), on 600
// synthetic embeddings of 6 classes (Gaussian centres in 32 dims, noise 1.5 per coordinate: the
// mined neighbours share a class 83 % of the time). Each head clears the bar, and fails it when it
// learns nothing (learning rate 1e-7); k-means, which has no loss, must beat the same assignment
// shuffled over the images. Deterministic (seeded data and runs, wasm), so each figure is the same
// on every run of a machine; with a head's main loss term's sign flipped its test fails (the README's
// embedding methods section has the figures).
import assert from 'node:assert/strict';
import { before, test, type TestContext } from 'node:test';
import { score } from '../../src/common/eval/metrics.js';
import { initBackend } from '../../src/trainer/backend/index.js';
import { Rng } from '../../src/trainer/util/rng.js';
import { gaussianMixture, runOnEmbeddings, type EmbeddingRun } from './embeddingRun.js';

const CLASSES = 6;
const { embeddings, labels } = gaussianMixture(600, 32, CLASSES, 1.5, 7);
/** The bar of a head that learned: ACC .9 and NMI .8 (chance: ACC ~.17, NMI ~0). */
const BAR = { acc: 0.9, nmi: 0.8 };

before(async () => {
  await initBackend('wasm');
});

function report(t: TestContext, what: string, r: EmbeddingRun): string {
  const line = `${what}: ACC ${r.scores.acc.toFixed(3)} NMI ${r.scores.nmi.toFixed(3)} (${r.rows.length} epochs, ${r.seconds.toFixed(1)} s)`;
  t.diagnostic(line);
  return line;
}

const clears = (r: EmbeddingRun) => r.scores.acc >= BAR.acc && r.scores.nmi >= BAR.nmi;

test('k-means clusters the embeddings far above its own assignment shuffled over the images', async (t) => {
  const r = await runOnEmbeddings('kmeans', embeddings, labels, CLASSES);
  const line = report(t, 'kmeans', r);
  assert.ok(clears(r), `${line}: below the bar`);
  // The same cluster sizes, placed at random: what an assignment that ignores the data scores.
  const preds = r.cluster;
  const shuffled = score(new Rng(1).permutation(preds.length).map((i) => preds[i]!), labels, CLASSES, CLASSES);
  t.diagnostic(`kmeans shuffled: ACC ${shuffled.acc.toFixed(3)} NMI ${shuffled.nmi.toFixed(3)}`);
  assert.ok(r.scores.acc >= shuffled.acc + 0.5, `${line}: not .5 above the shuffled assignment's ACC ${shuffled.acc.toFixed(3)}`);
});

/** SCAN head: 12 epochs (9 SCAN, 3 self-labeling) at batch 64, the defaults otherwise. */
const SCANHEAD = { epochs: 12, batchSize: 64, params: { selflabelEpochs: 3 } };
/** TEMI: batch 32 (19 steps an epoch), the defaults otherwise (20 epochs). */
const TEMI = { batchSize: 32 };

test('SCAN head learns the classes; at learning rate ~0 it does not', async (t) => {
  const r = await runOnEmbeddings('scanhead', embeddings, labels, CLASSES, SCANHEAD);
  const line = report(t, 'scanhead', r);
  assert.ok(clears(r), `${line}: below the bar`);
  const still = await runOnEmbeddings('scanhead', embeddings, labels, CLASSES, { ...SCANHEAD, learningRate: 1e-7, params: { ...SCANHEAD.params, selflabelLr: 1e-7 } });
  const stillLine = report(t, 'scanhead lr 1e-7', still);
  assert.ok(!clears(still), `${stillLine}: clears the bar without learning`);
});

test('TEMI learns the classes; at learning rate ~0 it does not', async (t) => {
  const r = await runOnEmbeddings('temi', embeddings, labels, CLASSES, TEMI);
  const line = report(t, 'temi', r);
  assert.ok(clears(r), `${line}: below the bar`);
  const still = await runOnEmbeddings('temi', embeddings, labels, CLASSES, { ...TEMI, learningRate: 1e-7 });
  const stillLine = report(t, 'temi lr 1e-7', still);
  assert.ok(!clears(still), `${stillLine}: clears the bar without learning`);
});
