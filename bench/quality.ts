// npm run bench -- quality [--methods cc,scan,deepcluster] [--minutes M] [--backend B] [--param NAME=VALUE ...]
//
// Clustering quality on Fashion-MNIST's 10,000 test images (Debian dataset-fashion-mnist, 10 classes,
// written once as <super>/<class>/<i>.png so the run takes the same path as a user's folder): each
// method trains with its defaults (the README lists them) through the real `train()`, with a time
// budget of M minutes per method (default 30); when the budget ends first, the last evaluated
// epoch is reported. Beside them, k-means on raw pixels (ours) as the baseline.
// Bars: SCAN ACC >= .70, CC ACC >= .65, DeepCluster above the pixel baseline.
// Writes bench/results/quality.json and bench/results/quality.md.
import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import type { MethodName, MetricsRow, TrainConfig } from '../src/protocol/run.js';
import { initBackend } from '../src/trainer/backend/index.js';
import { kmeans } from '../src/trainer/cluster/kmeans.js';
import { loadDataset } from '../src/trainer/data/dataset.js';
import { FASHION_CLASSES, FASHION_SUPERCLASS, loadFashionMnist } from '../src/trainer/data/fashion.js';
import { score } from '../src/common/eval/metrics.js';
import { isMethodName, METHOD_NAMES } from '../src/common/methods/index.js';
import { defaultConfig } from '../src/trainer/run/config.js';
import { train } from '../src/trainer/run/train.js';
import { Rng } from '../src/trainer/util/rng.js';

const { values: args } = parseArgs({
  options: {
    methods: { type: 'string', default: METHOD_NAMES.join(',') },
    minutes: { type: 'string', default: '30' },
    backend: { type: 'string', default: 'auto' },
    param: { type: 'string', multiple: true, default: [] },
    fixtures: { type: 'string', default: join(tmpdir(), 'clusterlab-bench-quality') },
  },
});
const methods = args.methods!.split(',') as MethodName[];
for (const m of methods) if (!isMethodName(m)) throw new Error(`unknown method ${m}`);
const budgetMs = Number(args.minutes) * 60_000;
// A new method has no bar until it has been measured.
const BARS: Partial<Record<MethodName, string>> = { cc: 'ACC >= .65', scan: 'ACC >= .70', deepcluster: 'ACC > pixel k-means' };

/** The 10k test split as PNGs in <super>/<class>/, written once. */
async function fixture(): Promise<string> {
  const dir = join(args.fixtures!, 'fashion-test');
  const marker = join(dir, '.complete');
  if (existsSync(marker)) return dir;
  await rm(dir, { recursive: true, force: true });
  const test = await loadFashionMnist('test');
  const px = test.rows * test.cols;
  console.log(`writing ${test.n} PNGs to ${dir} (once)...`);
  for (let i = 0; i < test.n; i++) {
    const cls = FASHION_CLASSES[test.labels[i]!]!;
    const folder = join(dir, FASHION_SUPERCLASS[cls], cls);
    await mkdir(folder, { recursive: true });
    const raw = Buffer.from(test.images.subarray(i * px, (i + 1) * px));
    await sharp(raw, { raw: { width: test.cols, height: test.rows, channels: 1 } }).toColourspace('b-w').png().toFile(join(folder, `${i}.png`));
  }
  await writeFile(marker, String(test.n));
  return dir;
}

function params(pairs: string[]): TrainConfig['params'] {
  return Object.fromEntries(pairs.map((p) => {
    const [k, v] = [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)];
    return [k, Number.isFinite(Number(v)) ? Number(v) : v === 'true' ? true : v === 'false' ? false : v];
  }));
}

interface Row {
  method: string;
  acc: number;
  nmi: number;
  ari: number;
  seconds: number;
  epochs: number;
  backend: string;
  finished: boolean;
  /** Mean 1-minute load average over the run's epochs: above 2 the two cores were shared. */
  load: number;
  bar?: string;
}

const data = await fixture();
const cacheDir = join(args.fixtures!, 'cache');
const runsDir = join(args.fixtures!, 'runs');
await rm(runsDir, { recursive: true, force: true });
const rows: Row[] = [];

// Baseline: k-means (k-means++, best of 3) on raw pixels in [0, 1].
{
  const backend = await initBackend(args.backend as TrainConfig['backend']);
  const ds = await loadDataset(data, { imageSize: 28, channels: 1, cacheDir });
  const t0 = performance.now();
  const x = tf.tidy(() => tf.div(tf.tensor2d(ds.pixels, [ds.n, 28 * 28], 'float32'), 255) as tf.Tensor2D);
  const km = await kmeans(x, { k: 10, rng: new Rng(0), restarts: 3, iters: 100, tol: 1e-6 });
  tf.dispose([x, km.centroids]);
  rows.push({ method: 'k-means on pixels', ...score(km.assign, ds.labels, 10, 10), seconds: (performance.now() - t0) / 1000, epochs: 0, backend: backend.name, finished: true, load: loadavg()[0]! });
  console.log(`pixel k-means: ACC ${rows[0]!.acc.toFixed(3)} NMI ${rows[0]!.nmi.toFixed(3)}`);
}

for (const method of methods) {
  const config: TrainConfig = {
    ...defaultConfig(method, data),
    imageSize: 28,
    channels: 1,
    backend: args.backend as TrainConfig['backend'],
    params: params(args.param!),
  };
  const out = join(runsDir, method);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), budgetMs);
  const t0 = performance.now();
  // tfjs on wasm never yields to timers inside an epoch, so the abort lands at an epoch's end; the
  // result is the last evaluated epoch that ended within the budget.
  const inBudget: { row: MetricsRow; seconds: number }[] = [];
  const loads: number[] = [];
  const result = await train(config, out, cacheDir, {
    log: (l) => console.log(`  ${l}`),
    onEpoch: (r: MetricsRow) => {
      const elapsed = (performance.now() - t0) / 1000;
      loads.push(loadavg()[0]!);
      if (elapsed * 1000 <= budgetMs && typeof r.acc === 'number') inBudget.push({ row: r, seconds: elapsed });
      console.log(`  ${method} epoch ${r.epoch} ${r.phase} loss ${r.loss.toFixed(3)} acc ${(r.acc as number | undefined)?.toFixed(3) ?? '-'} nmi ${(r.nmi as number | undefined)?.toFixed(3) ?? '-'} ${(elapsed / 60).toFixed(1)} min`);
    },
    signal: abort.signal,
  });
  clearTimeout(timer);
  const finished = result.run.status === 'done' && (performance.now() - t0) <= budgetMs;
  const last = inBudget.at(-1);
  if (!last) throw new Error(`${method} finished no evaluated epoch within ${args.minutes} minutes`);
  const s = finished && result.summary ? result.summary : (last.row as unknown as { acc: number; nmi: number; ari: number });
  rows.push({ method, acc: s.acc!, nmi: s.nmi!, ari: s.ari!, seconds: last.seconds, epochs: last.row.epoch, backend: result.run.backend.name, finished, load: loads.reduce((a, b) => a + b, 0) / Math.max(loads.length, 1), bar: BARS[method] });
}

const base = rows[0]!;
const met = (r: Row) => (r.method === 'cc' ? r.acc >= 0.65 : r.method === 'scan' ? r.acc >= 0.7 : r.method === 'deepcluster' ? r.acc > base.acc : undefined);
const md = [
  '| method | ACC | NMI | ARI | epochs | minutes | backend | load | bar |',
  '|---|---|---|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.method} | ${r.acc.toFixed(3)} | ${r.nmi.toFixed(3)} | ${r.ari.toFixed(3)} | ${r.epochs}${r.finished ? '' : ' (budget)'} | ${(r.seconds / 60).toFixed(1)} | ${r.backend} | ${r.load.toFixed(1)} | ${r.bar ? `${r.bar}: ${met(r) ? 'met' : 'missed'}` : 'baseline'} |`),
].join('\n');
console.log(`\nFashion-MNIST test (10,000 images, 10 classes), 28x28 grey, small backbone, ${args.minutes} min budget per method\n\n${md}\n`);
await mkdir('bench/results', { recursive: true });
const when = new Date().toISOString();
await writeFile('bench/results/quality.json', JSON.stringify({ when, budgetMinutes: Number(args.minutes), params: args.param, rows: rows.map((r) => ({ ...r, barMet: met(r) })) }, null, 2) + '\n');
await writeFile('bench/results/quality.md', `Fashion-MNIST test split, ${when}\n\n${md}\n`);

