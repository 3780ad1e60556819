import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseAssignments, parseMetrics } from '../../src/common/runFiles.js';
import type { MetricsRow, SummaryJson, TrainConfig } from '../../src/protocol/run.js';
import { initBackend } from '../../src/trainer/backend/index.js';
import { loadDataset, type Dataset } from '../../src/trainer/data/dataset.js';
import { createDeepCluster } from '../../src/trainer/methods/deepcluster.js';
import { epochRng } from '../../src/trainer/methods/method.js';
import {
  DC_PICK_RULES,
  pickEpoch,
  pickFrom,
  type DcPickRule,
} from '../../src/common/methods/deepclusterPick.js';
import { defaultConfig } from '../../src/trainer/run/config.js';
import { epochClustersPath } from '../../src/trainer/run/runFolder.js';
import { train } from '../../src/trainer/run/train.js';
import { Rng } from '../../src/trainer/util/rng.js';
import { makeSyntheticClasses } from '../trainer/syntheticClasses.js';

const tmp = mkdtempSync(join(tmpdir(), 'clusterlab-dc-pick-'));
const cache = join(tmp, 'cache');
let data: string;
before(async () => {
  await initBackend('wasm');
  data = await makeSyntheticClasses(join(tmp, 'data'), 12, 16);
});
after(() => rmSync(tmp, { recursive: true, force: true }));

const EPOCHS = 6;
function config(pick: DcPickRule): TrainConfig {
  return {
    ...defaultConfig('deepcluster', data),
    imageSize: 16,
    clusters: 4,
    epochs: EPOCHS,
    batchSize: 16,
    params: { pick },
  };
}

async function run(pick: DcPickRule): Promise<{ dir: string; rows: MetricsRow[]; summary: SummaryJson }> {
  const dir = join(tmp, `run-${pick}`);
  const r = await train(config(pick), dir, cache, { log: () => {} });
  return { dir, rows: parseMetrics(readFileSync(join(dir, 'metrics.jsonl'), 'utf8')), summary: r.summary! };
}

const epochClusters = (dir: string, epoch: number) => {
  const b = readFileSync(epochClustersPath(dir, epoch));
  return Array.from(new Int32Array(b.buffer, b.byteOffset, b.byteLength / 4));
};
/** A row without the fields a rule adds (the kept epoch): what training alone decides. */
const trainedPart = (row: MetricsRow) =>
  Object.fromEntries(Object.entries(row).filter(([k]) => !['keptEpoch', 'seconds', 'imgPerSec'].includes(k)));

test('DeepCluster pick: the kept epoch is the one the rule picks from the rows, and its clusters are the ones written and shown', async () => {
  const official = await run('last');
  assert.deepEqual(
    official.rows.map((r) => r.epoch),
    [1, 2, 3, 4, 5, 6],
  );
  assert.deepEqual(official.summary.kept, { epoch: EPOCHS, rule: 'last', why: DC_PICK_RULES.last.doc });
  // A rule that, on these rows, keeps an epoch before the last; found from the official run's rows
  // (training does not depend on the rule, so the picking run trains the same epochs).
  const rules = (Object.keys(DC_PICK_RULES) as DcPickRule[]).filter((r) => r !== 'last');
  const rule = rules.find((r) => pickEpoch(r, official.rows, pickFrom(EPOCHS)) < EPOCHS);
  assert.ok(
    rule,
    `every rule keeps the last epoch on this data: ${JSON.stringify(official.rows.map(trainedPart))}`,
  );
  const want = pickEpoch(rule, official.rows, pickFrom(EPOCHS));

  const picked = await run(rule);
  assert.deepEqual(
    picked.rows.map(trainedPart),
    official.rows.map(trainedPart),
    'the rule changes what is reported, not what is trained',
  );
  assert.equal(picked.summary.kept!.epoch, want);
  assert.equal(picked.summary.kept!.rule, rule);
  assert.match(
    picked.summary.kept!.why,
    new RegExp(`^${DC_PICK_RULES[rule].doc.replace(/[()]/g, '\\$&')} \\(.*the last epoch's`),
  );
  assert.equal(picked.rows.at(-1)!.keptEpoch, want);
  // Written: assignments.csv holds the kept epoch's clusters, not the last epoch's.
  const written = parseAssignments(readFileSync(join(picked.dir, 'assignments.csv'), 'utf8')).map(
    (a) => a.cluster,
  );
  assert.deepEqual(written, epochClusters(picked.dir, want));
  assert.notDeepEqual(
    written,
    epochClusters(picked.dir, EPOCHS),
    'the kept and the last epoch cluster differently here',
  );
  // Shown: the summary's scores are the kept epoch's row's; the last row stays the last epoch's.
  const keptRow = picked.rows[want - 1]!;
  for (const k of ['acc', 'nmi', 'ari'] as const) assert.equal(picked.summary[k], keptRow[k], k);
  for (const k of ['knnConsistency', 'silhouette'] as const)
    assert.equal(picked.summary.labelFree![k], keptRow[k], k);
  assert.deepEqual(trainedPart(picked.rows.at(-1)!), trainedPart(official.rows.at(-1)!));
  assert.equal(official.summary.acc, official.rows.at(-1)!.acc);
});

/** Trains DeepCluster on `ds` directly; the rows' label-free quantities, the kept epoch and the final clusters. */
async function trainMethod(ds: Dataset, pick: DcPickRule) {
  const cfg = config(pick);
  const m = createDeepCluster({ config: cfg, ds });
  try {
    const extras = [];
    for (let e = 1; e <= EPOCHS; e++)
      extras.push((await m.trainEpoch(e, epochRng(cfg, e), () => {}, new AbortController().signal)).extra);
    const kept = m.finish!();
    const preds = await m.predict();
    return { extras, kept, cluster: Array.from(preds.cluster), confidence: Array.from(preds.confidence) };
  } finally {
    m.params.dispose();
    m.optimizer.dispose();
  }
}

test('DeepCluster pick uses no labels: shuffled labels leave every score, the kept epoch and its clusters unchanged', async () => {
  const ds = await loadDataset(data, { imageSize: 16, channels: 3, cacheDir: cache });
  const perm = new Rng(3).permutation(ds.n);
  const shuffled: Dataset = { ...ds, labels: Int32Array.from(perm, (i) => ds.labels[i]!) };
  assert.notDeepEqual(Array.from(shuffled.labels), Array.from(ds.labels));
  // knn reads the evaluation's scores (computed inside the method); stable the method's own NMI.
  for (const pick of ['knn', 'stable'] as const) {
    const a = await trainMethod(ds, pick);
    const b = await trainMethod(shuffled, pick);
    assert.ok(
      a.extras.every((x) => Number.isFinite(x!.nmiPrevious) && Number.isFinite(x!.classifierConfidence)),
    );
    assert.deepEqual(b, a, pick);
  }
});
