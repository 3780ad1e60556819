// npm run bench -- dcPick [--runs DIR] [--cache DIR] [--window N] [--out DIR]
//
// Which of DeepCluster's epochs a label-free rule would report, against labels, offline: for every
// DeepCluster run folder in DIR (the quality bench's runs, e.g. <fixtures>/runs-dev), each rule
// picks an epoch (or, for the consensus, makes a clustering) from the run's metrics.jsonl and its
// per-epoch clusters (clusters/epoch-<e>.i32), and its ACC is set beside the last epoch's (what the
// official code reports) and the best epoch's (what labels would pick). No rule sees a label; the
// labels come from the image folders only to score. Writes <out>/dcPick.json and .md.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { clusteringAccuracy, nmi } from '../src/common/eval/metrics.js';
import { parseMetrics } from '../src/common/runFiles.js';
import type { MetricsRow, RunJson } from '../src/protocol/run.js';
import { initBackend } from '../src/trainer/backend/index.js';
import { kmeans } from '../src/trainer/cluster/kmeans.js';
import { loadDataset } from '../src/trainer/data/dataset.js';
import { epochClustersPath } from '../src/trainer/run/runFolder.js';
import { Rng } from '../src/trainer/util/rng.js';
import {
  DC_PICK_RULES,
  pickEpoch,
  pickFrom,
  type DcPickRule,
} from '../src/common/methods/deepclusterPick.js';
import { mean, sd } from './_stats.js';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: 'scratch/bench/runs-dev' },
    cache: { type: 'string' },
    window: { type: 'string', default: '5' },
    out: { type: 'string', default: 'bench/results/dc-pick-dev' },
  },
});
const runsDir = args.runs!;
const cacheDir = args.cache ?? join(runsDir, '..', 'cache');
const window = Number(args.window);

interface RunEpochs {
  name: string;
  seed: number;
  k: number;
  /** The epochs the run was configured for (its rule's window is their second half). */
  epochs: number;
  rows: MetricsRow[];
  clusters: Map<number, Int32Array>;
  truth: Int32Array;
  classes: number;
}

async function load(dir: string, name: string): Promise<RunEpochs | undefined> {
  const run = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunJson;
  if (run.method !== 'deepcluster') return undefined;
  const rows = parseMetrics(readFileSync(join(dir, 'metrics.jsonl'), 'utf8'));
  const clusters = new Map<number, Int32Array>();
  for (const r of rows) {
    const path = epochClustersPath(dir, r.epoch);
    if (!existsSync(path)) continue;
    const b = readFileSync(path);
    clusters.set(r.epoch, new Int32Array(b.buffer, b.byteOffset, b.byteLength / 4).slice());
  }
  const ds = await loadDataset(run.config.data, {
    imageSize: run.config.imageSize,
    channels: run.config.channels,
    cacheDir,
  });
  return {
    name,
    seed: run.config.seed,
    k: run.config.clusters,
    epochs: run.config.epochs,
    rows: rows.filter((r) => clusters.has(r.epoch)),
    clusters,
    truth: ds.labels,
    classes: ds.classes.length,
  };
}

const accOf = (r: RunEpochs, pred: Int32Array) => clusteringAccuracy(pred, r.truth, r.k, r.classes).acc;

/** The epoch among the last `n` whose clustering agrees most (mean NMI) with the others'. */
function medoidEpoch(r: RunEpochs, n: number): number {
  const last = r.rows.slice(-n).map((row) => row.epoch);
  let best = last.at(-1)!;
  let bestScore = -Infinity;
  for (const e of last) {
    const score = last
      .filter((o) => o !== e)
      .reduce((a, o) => a + nmi(r.clusters.get(e)!, r.clusters.get(o)!), 0);
    if (score > bestScore) [best, bestScore] = [e, score];
  }
  return best;
}

/**
 * The consensus of the last `n` epochs: k-means on each image's concatenated one-hot clusters
 * (n x k columns). Their squared distance is 2 (n - the epochs that put the two images together),
 * so this clusters the co-association matrix H H^T / n without forming its N x N entries.
 */
async function consensus(r: RunEpochs, n: number, seed: number): Promise<Int32Array> {
  const last = r.rows.slice(-n).map((row) => r.clusters.get(row.epoch)!);
  const N = r.truth.length;
  const h = new Float32Array(N * last.length * r.k);
  const scale = 1 / Math.sqrt(last.length);
  last.forEach((c, j) => c.forEach((ci, i) => (h[i * last.length * r.k + j * r.k + ci] = scale)));
  const x = tf.tensor2d(h, [N, last.length * r.k]);
  const km = await kmeans(x, { k: r.k, rng: Rng.derive(seed, 'consensus'), restarts: 10, iters: 50 });
  tf.dispose([x, km.centroids]);
  return km.assign;
}

await initBackend('wasm');
const runs: RunEpochs[] = [];
for (const name of readdirSync(runsDir).sort()) {
  const dir = join(runsDir, name);
  if (!existsSync(join(dir, 'run.json'))) continue;
  const r = await load(dir, name);
  if (r && r.rows.length > 0) runs.push(r);
}
if (runs.length === 0) throw new Error(`no DeepCluster run with per-epoch clusters in ${runsDir}`);

interface Row {
  rule: string;
  perSeed: { seed: number; epoch?: number; acc: number }[];
}
const table: Row[] = [];
const add = (
  rule: string,
  f: (r: RunEpochs) => Promise<{ epoch?: number; acc: number }> | { epoch?: number; acc: number },
) =>
  (async () =>
    table.push({
      rule,
      perSeed: await Promise.all(runs.map(async (r) => ({ seed: r.seed, ...(await f(r)) }))),
    }))();
const atEpoch = (r: RunEpochs, epoch: number) => ({
  epoch,
  acc: r.rows.find((row) => row.epoch === epoch)!.acc as number,
});

await add('last epoch (official)', (r) => atEpoch(r, r.rows.at(-1)!.epoch));
await add('best epoch (labels: the ceiling)', (r) =>
  r.rows.reduce(
    (a, row) => ((row.acc as number) > a.acc ? { epoch: row.epoch, acc: row.acc as number } : a),
    { epoch: 0, acc: -1 },
  ),
);
// Each rule over the run's second half (as the trainer applies it) and over every epoch.
for (const rule of Object.keys(DC_PICK_RULES) as DcPickRule[]) {
  if (rule === 'last') continue;
  await add(`${rule}: ${DC_PICK_RULES[rule].doc}`, (r) =>
    atEpoch(r, pickEpoch(rule, r.rows, pickFrom(r.epochs))),
  );
  await add(`${rule}, every epoch`, (r) => atEpoch(r, pickEpoch(rule, r.rows, 1)));
}
await add(`medoid of the last ${window} epochs (most mean NMI to the others)`, (r) =>
  atEpoch(r, medoidEpoch(r, window)),
);
await add(`consensus of the last ${window} epochs (k-means on their co-association)`, async (r) => ({
  acc: accOf(r, await consensus(r, window, r.seed)),
}));

const COLUMNS = [...new Set(Object.values(DC_PICK_RULES).flatMap((r) => ('key' in r ? [r.key] : [])))];
const seeds = runs.map((r) => r.seed);
const lastAcc = table[0]!.perSeed.map((p) => p.acc);
const md = [
  `DeepCluster, ${runs.length} run${runs.length === 1 ? '' : 's'} of ${runsDir} (seeds ${seeds.join(', ')}; epochs ${runs.map((r) => r.rows.length).join(', ')}): ACC of the clustering each rule reports (its epoch in brackets).`,
  '',
  `| rule | ${seeds.map((s) => `seed ${s}`).join(' | ')} | mean ± sd | minus last, mean ± sd |`,
  `|---|${seeds.map(() => '---|').join('')}---|---|`,
  ...table.map((row) => {
    const accs = row.perSeed.map((p) => p.acc);
    const gain = accs.map((a, i) => a - lastAcc[i]!);
    return `| ${row.rule} | ${row.perSeed.map((p) => `${p.acc.toFixed(3)}${p.epoch ? ` (${p.epoch})` : ''}`).join(' | ')} | ${mean(accs).toFixed(3)} ± ${sd(accs).toFixed(3)} | ${mean(gain).toFixed(3)} ± ${sd(gain).toFixed(3)} |`;
  }),
  '',
  'Per-epoch ACC:',
  '',
  ...runs.map(
    (r) =>
      `- seed ${r.seed}: ${r.rows.map((row) => (row.acc as number).toFixed(2).replace(/^0/, '')).join(', ')}`,
  ),
  '',
  'Per epoch, ACC beside the label-free quantities the rules read (each row describes the clustering made after that epoch):',
  ...runs.flatMap((r) => [
    '',
    `seed ${r.seed}:`,
    '',
    `| epoch | ACC | ${COLUMNS.join(' | ')} |`,
    `|---|---|${COLUMNS.map(() => '---|').join('')}`,
    ...r.rows.map(
      (row) =>
        `| ${row.epoch} | ${(row.acc as number).toFixed(3)} | ${COLUMNS.map((c) => (typeof row[c] === 'number' ? (row[c] as number).toPrecision(4) : '-')).join(' | ')} |`,
    ),
  ]),
].join('\n');
console.log(md);
mkdirSync(args.out!, { recursive: true });
writeFileSync(
  join(args.out!, 'dcPick.json'),
  JSON.stringify(
    {
      when: new Date().toISOString(),
      runs: runsDir,
      window,
      table,
      epochs: runs.map((r) => ({ seed: r.seed, rows: r.rows })),
    },
    null,
    2,
  ) + '\n',
);
writeFileSync(join(args.out!, 'dcPick.md'), md + '\n');
