// The embedding methods must learn, through the calls a run makes (embeddingRun.ts), on 600
// synthetic embeddings of 6 classes (Gaussian centres in 32 dims, noise 1.5 per coordinate: the
// mined neighbours share a class 83 % of the time). Each head clears the bar, and fails it when it
// learns nothing (learning rate 1e-7); k-means, which has no loss, must beat the same assignment
// shuffled over the images. Deterministic (seeded data and runs, wasm), so each figure is the same
// on every run of a machine; with a head's main loss term's sign flipped its test fails (the README's
// embedding methods section has the figures). The tests loop over every embedding method
// (METHOD_NAMES); a method without a case here fails its test.
import assert from 'node:assert/strict';
import { before, test, type TestContext } from 'node:test';
import { score } from '../../src/common/eval/metrics.js';
import {
  isEmbeddingMethod,
  METHOD_NAMES,
  METHOD_SPECS,
  type MethodName,
} from '../../src/common/methods/index.js';
import type { TrainConfig } from '../../src/protocol/run.js';
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

/** SCAN head: 12 epochs (9 SCAN, 3 self-labeling) at batch 64, the defaults otherwise. */
const SCANHEAD = { epochs: 12, batchSize: 64, params: { selflabelEpochs: 3 } };
/** TEMI: batch 32 (19 steps an epoch), the defaults otherwise (20 epochs). */
const TEMI = { batchSize: 32 };

/** A head that learns clears the bar, and fails it at learning rate ~0 (`still`: the run's options then). */
async function learnsAndNotAtLr0(
  t: TestContext,
  method: MethodName,
  options: Partial<TrainConfig>,
  still: Partial<TrainConfig>,
): Promise<void> {
  const r = await runOnEmbeddings(method, embeddings, labels, CLASSES, options);
  const line = report(t, method, r);
  assert.ok(clears(r), `${line}: below the bar`);
  const s = await runOnEmbeddings(method, embeddings, labels, CLASSES, still);
  const stillLine = report(t, `${method} lr 1e-7`, s);
  assert.ok(!clears(s), `${stillLine}: clears the bar without learning`);
}

/** Per embedding method, what shows that it learned (the methods on images are in learning.test.ts). */
const CASES: Partial<Record<MethodName, { title: string; learns(t: TestContext): Promise<void> }>> = {
  kmeans: {
    title: 'clusters the embeddings far above its own assignment shuffled over the images',
    async learns(t) {
      const r = await runOnEmbeddings('kmeans', embeddings, labels, CLASSES);
      const line = report(t, 'kmeans', r);
      assert.ok(clears(r), `${line}: below the bar`);
      // The same cluster sizes, placed at random: what an assignment that ignores the data scores.
      const preds = r.cluster;
      const shuffled = score(
        new Rng(1).permutation(preds.length).map((i) => preds[i]!),
        labels,
        CLASSES,
        CLASSES,
      );
      t.diagnostic(`kmeans shuffled: ACC ${shuffled.acc.toFixed(3)} NMI ${shuffled.nmi.toFixed(3)}`);
      assert.ok(
        r.scores.acc >= shuffled.acc + 0.5,
        `${line}: not .5 above the shuffled assignment's ACC ${shuffled.acc.toFixed(3)}`,
      );
    },
  },
  scanhead: {
    title: 'learns the classes; at learning rate ~0 it does not',
    learns: (t) =>
      learnsAndNotAtLr0(t, 'scanhead', SCANHEAD, {
        ...SCANHEAD,
        learningRate: 1e-7,
        params: { ...SCANHEAD.params, selflabelLr: 1e-7 },
      }),
  },
  temi: {
    title: 'learns the classes; at learning rate ~0 it does not',
    learns: (t) => learnsAndNotAtLr0(t, 'temi', TEMI, { ...TEMI, learningRate: 1e-7 }),
  },
};

for (const method of METHOD_NAMES.filter(isEmbeddingMethod)) {
  test(`${METHOD_SPECS[method].label} ${CASES[method]?.title ?? 'learns'}`, async (t) => {
    const c = CASES[method];
    assert.ok(c, `${method} has no learning case: add its run and what shows it learned to CASES`);
    await c.learns(t);
  });
}
