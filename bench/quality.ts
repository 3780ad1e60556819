// npm run bench -- quality [--split test|dev] [--seeds N] [--methods cc,scan,deepcluster] [--minutes M]
//                          [--per-class N] [--epochs N] [--backend B] [--param NAME=VALUE ...] [--resume]
//
// Clustering quality on Fashion-MNIST (Debian dataset-fashion-mnist, 10 classes, 28 px grey, written
// once as <super>/<class>/<i>.png so a run takes the same path as a user's folder). Tune on
// `--split dev` (1,000 TRAIN images per class, 10,000 in all); report on `--split test` (the 10,000
// test images, the default), never tuned on. Each method trains with its defaults through the real
// `train()`, once per seed (42, 43, ...), within M minutes (default 30; when the budget ends first,
// the last evaluated epoch counts). Beside them, k-means on the raw pixels of the same images
// (src/trainer/cluster/pixelKmeans.ts, the CLI's baseline), once per seed.
// Every figure is mean ± sd over the seeds; a bar is met only when mean - sd clears it.
// The label-free scores (summary.json `labelFree`; for a run the budget cut, its last counted
// epoch's metrics row) are shown per method and checked against ACC: does each rank the methods
// the same way?
// Writes bench/results/quality[-dev].json and .md after every run; `--resume` keeps the runs such a
// file holds (same split, size, budget, epochs, params and backend) and trains only the others.
// `--split dev --per-class 20 --epochs 3 --seeds 2` is a smoke test.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import type { LabelFree, MethodName, MetricsRow, TrainConfig } from '../src/protocol/run.js';
import { initBackend } from '../src/trainer/backend/index.js';
import { pixelKmeans } from '../src/trainer/cluster/pixelKmeans.js';
import { loadDataset } from '../src/trainer/data/dataset.js';
import { FASHION_CLASSES, FASHION_SUPERCLASS, loadFashionMnist } from '../src/trainer/data/fashion.js';
import { isMethodName, METHOD_NAMES } from '../src/common/methods/index.js';
import { defaultConfig } from '../src/trainer/run/config.js';
import { train } from '../src/trainer/run/train.js';

const { values: args } = parseArgs({
  options: {
    split: { type: 'string', default: 'test' },
    seeds: { type: 'string', default: '3' },
    methods: { type: 'string', default: METHOD_NAMES.join(',') },
    minutes: { type: 'string', default: '30' },
    'per-class': { type: 'string', default: '1000' },
    epochs: { type: 'string' },
    backend: { type: 'string', default: 'auto' },
    param: { type: 'string', multiple: true, default: [] },
    fixtures: { type: 'string', default: join(tmpdir(), 'clusterlab-bench-quality') },
    resume: { type: 'boolean', default: false },
  },
});
const split = args.split!;
if (split !== 'test' && split !== 'dev') throw new Error(`--split must be test or dev (got ${split})`);
const methods = args.methods!.split(',') as MethodName[];
for (const m of methods) if (!isMethodName(m)) throw new Error(`--methods: unknown method ${m} (${METHOD_NAMES.join(', ')})`);
const seeds = Array.from({ length: Number(args.seeds) }, (_, i) => 42 + i);
if (seeds.length < 1) throw new Error(`--seeds must be a whole number of at least 1 (got ${args.seeds})`);
const perClass = Number(args['per-class']);
if (!Number.isInteger(perClass) || perClass < 1 || perClass > 1000) throw new Error(`--per-class must be a whole number from 1 to 1000 (got ${args['per-class']})`);
const budgetMs = Number(args.minutes) * 60_000;
const LABEL_FREE = ['confidence', 'balance', 'knnConsistency', 'silhouette'] as const;

/** `perClass` images of each class of the split as PNGs in <super>/<class>/, written once. */
async function fixture(): Promise<string> {
  const dir = join(args.fixtures!, `fashion-${split}-${perClass}`);
  const marker = join(dir, '.complete');
  if (existsSync(marker)) return dir;
  await rm(dir, { recursive: true, force: true });
  // dev: the TRAIN images, which no reported figure comes from.
  const src = await loadFashionMnist(split === 'dev' ? 'train' : 'test');
  const px = src.rows * src.cols;
  const taken = new Array<number>(10).fill(0);
  console.log(`writing ${perClass * 10} PNGs to ${dir} (once)...`);
  for (let i = 0; i < src.n; i++) {
    const label = src.labels[i]!;
    if (taken[label]! >= perClass) continue;
    taken[label]!++;
    const cls = FASHION_CLASSES[label]!;
    const folder = join(dir, FASHION_SUPERCLASS[cls], cls);
    await mkdir(folder, { recursive: true });
    const raw = Buffer.from(src.images.subarray(i * px, (i + 1) * px));
    await sharp(raw, { raw: { width: src.cols, height: src.rows, channels: 1 } }).toColourspace('b-w').png().toFile(join(folder, `${i}.png`));
  }
  await writeFile(marker, String(perClass * 10));
  return dir;
}

function params(pairs: string[]): TrainConfig['params'] {
  return Object.fromEntries(pairs.map((p) => {
    const [k, v] = [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)];
    return [k, Number.isFinite(Number(v)) ? Number(v) : v === 'true' ? true : v === 'false' ? false : v];
  }));
}

interface Run {
  seed: number;
  acc: number;
  nmi: number;
  ari: number;
  minutes: number;
  epochs: number;
  finished: boolean;
  labelFree?: LabelFreeScores;
}

type LabelFreeScores = Pick<LabelFree, (typeof LABEL_FREE)[number]>;
/** The four label-free scores of a summary's `labelFree` or of a metrics row (a run the budget cut). */
function labelFreeOf(src: object | undefined): LabelFreeScores | undefined {
  const at = src as Partial<Record<string, unknown>> | undefined;
  if (!at || !LABEL_FREE.every((k) => typeof at[k] === 'number')) return undefined;
  return Object.fromEntries(LABEL_FREE.map((k) => [k, at[k]])) as LabelFreeScores;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** Sample sd (n - 1); 0 for one seed, which then claims nothing beyond its single figure. */
const sd = (xs: number[]) => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));
const ms = (xs: number[], digits = 3) => `${mean(xs).toFixed(digits)} ± ${sd(xs).toFixed(digits)}`;

const data = await fixture();
const cacheDir = join(args.fixtures!, 'cache');
const runsDir = join(args.fixtures!, `runs-${split}`);
if (!args.resume) await rm(runsDir, { recursive: true, force: true });
const backend = await initBackend(args.backend as TrainConfig['backend']);
const results: Record<string, Run[]> = { 'k-means on pixels': [] };
const base = `bench/results/quality${split === 'dev' ? '-dev' : ''}`;
const protocol = { split, images: perClass * 10, budgetMinutes: Number(args.minutes), epochs: args.epochs ? Number(args.epochs) : undefined, params: args.param, backend: backend.name };
/** --resume: the runs an earlier bench of the same protocol finished (it writes its table after every run). */
const earlier: Record<string, Run[]> = {};
if (args.resume && existsSync(`${base}.json`)) {
  const old = JSON.parse(await readFile(`${base}.json`, 'utf8')) as typeof protocol & { results: Record<string, Run[]> };
  for (const [k, v] of Object.entries(protocol)) {
    if (JSON.stringify(old[k as keyof typeof protocol]) === JSON.stringify(v)) continue;
    // One line and out: a throw here would print the wasm backend's whole source with it.
    console.error(`--resume: ${base}.json was measured with ${k} ${JSON.stringify(old[k as keyof typeof protocol])}, this bench with ${JSON.stringify(v)}`);
    process.exit(2);
  }
  for (const [name, runs] of Object.entries(old.results)) earlier[name] = runs.filter((r) => seeds.includes(r.seed));
  console.log(`--resume: ${Object.entries(earlier).map(([n, r]) => `${n} seeds ${r.map((x) => x.seed).join(', ') || 'none'}`).join('; ')} from ${base}.json`);
}

{
  const ds = await loadDataset(data, { imageSize: 28, channels: 1, cacheDir });
  for (const seed of seeds) {
    const t0 = performance.now();
    const s = (await pixelKmeans(ds, 10, seed))!;
    results['k-means on pixels']!.push({ seed, ...s, minutes: (performance.now() - t0) / 60_000, epochs: 0, finished: true });
  }
  console.log(`pixel k-means: ACC ${ms(results['k-means on pixels']!.map((r) => r.acc))}`);
}

async function runOnce(method: MethodName, seed: number): Promise<Run> {
  const config: TrainConfig = {
    ...defaultConfig(method, data),
    imageSize: 28,
    channels: 1,
    seed,
    backend: args.backend as TrainConfig['backend'],
    params: params(args.param!),
  };
  if (args.epochs) config.epochs = Number(args.epochs);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), budgetMs);
  const t0 = performance.now();
  // tfjs on wasm never yields to timers inside an epoch, so the abort lands at an epoch's end; the
  // result is the last evaluated epoch that ended within the budget.
  const inBudget: { row: MetricsRow; seconds: number }[] = [];
  const result = await train(config, join(runsDir, `${method}-${seed}`), cacheDir, {
    log: (l) => console.log(`  ${l}`),
    onEpoch: (r: MetricsRow) => {
      const elapsed = (performance.now() - t0) / 1000;
      if (elapsed * 1000 <= budgetMs && typeof r.acc === 'number') inBudget.push({ row: r, seconds: elapsed });
      console.log(`  ${method} seed ${seed} epoch ${r.epoch} ${r.phase} loss ${r.loss.toFixed(3)} acc ${(r.acc as number | undefined)?.toFixed(3) ?? '-'} ${(elapsed / 60).toFixed(1)} min`);
    },
    signal: abort.signal,
  });
  clearTimeout(timer);
  const finished = result.run.status === 'done' && performance.now() - t0 <= budgetMs;
  const last = inBudget.at(-1);
  if (!last) throw new Error(`${method} seed ${seed} finished no evaluated epoch within ${args.minutes} minutes`);
  const s = finished && result.summary ? result.summary : (last.row as unknown as { acc: number; nmi: number; ari: number });
  return { seed, acc: s.acc!, nmi: s.nmi!, ari: s.ari!, minutes: last.seconds / 60, epochs: last.row.epoch, finished, labelFree: labelFreeOf(finished ? result.summary?.labelFree : last.row) };
}

/** Writes the table of the runs done so far: after every run, so a bench cut short (a session's end,
 * a killed machine) still leaves its finished runs on disk, marked as partial. */
async function report(done: number, total: number): Promise<void> {
  const pixel = results['k-means on pixels']!;
  const ran = methods.filter((m) => (results[m]?.length ?? 0) > 0);
  const lower = (rs: Run[], k: 'acc' | 'nmi' | 'ari') => mean(rs.map((r) => r[k])) - sd(rs.map((r) => r[k]));
  /** The issue's bars, on mean - sd: CC ACC .65, SCAN ACC .70, DeepCluster above pixel k-means' mean. */
  const BARS: Record<MethodName, { text: string; met: (rs: Run[]) => boolean }> = {
    cc: { text: 'ACC >= .65', met: (rs) => lower(rs, 'acc') >= 0.65 },
    scan: { text: 'ACC >= .70', met: (rs) => lower(rs, 'acc') >= 0.7 },
    deepcluster: { text: 'ACC > pixel k-means', met: (rs) => lower(rs, 'acc') > mean(pixel.map((r) => r.acc)) },
    // The embedding methods on pixels (no feature model): k-means is the baseline, the heads must beat it.
    kmeans: { text: 'none (the baseline)', met: () => true },
    scanhead: { text: 'ACC > pixel k-means', met: (rs) => lower(rs, 'acc') > mean(pixel.map((r) => r.acc)) },
    temi: { text: 'ACC > pixel k-means', met: (rs) => lower(rs, 'acc') > mean(pixel.map((r) => r.acc)) },
  };

  const names = ['k-means on pixels', ...ran];
  const table = [
    '| method | ACC | NMI | ARI | ACC - pixel k-means | epochs | minutes | bar (mean - sd) |',
    '|---|---|---|---|---|---|---|---|',
    ...names.map((name) => {
      const rs = results[name]!;
      const col = (k: 'acc' | 'nmi' | 'ari') => ms(rs.map((r) => r[k]));
      const gain = name === 'k-means on pixels' ? '' : (mean(rs.map((r) => r.acc)) - mean(pixel.map((r) => r.acc))).toFixed(3);
      const epochs = [...new Set(rs.map((r) => `${r.epochs}${r.finished ? '' : ' (budget)'}`))].join(', ');
      const bar = BARS[name as MethodName];
      return `| ${name} | ${col('acc')} | ${col('nmi')} | ${col('ari')} | ${gain} | ${epochs} | ${ms(rs.map((r) => r.minutes), 1)} | ${bar ? `${bar.text}: ${bar.met(rs) ? 'met' : 'missed'}` : 'baseline'} |`;
    }),
  ].join('\n');

  // Label-free scores: per method, and whether ordering the methods by each gives ACC's order.
  const withScores = ran.filter((m) => results[m]!.every((r) => r.labelFree));
  let labelFreeMd = '';
  if (withScores.length > 0) {
    const order = (value: (m: MethodName) => number) => [...withScores].sort((a, b) => value(b) - value(a)).join(' > ');
    const accOrder = order((m) => mean(results[m]!.map((r) => r.acc)));
    const lf = (m: MethodName, k: (typeof LABEL_FREE)[number]) => results[m]!.map((r) => r.labelFree![k]);
    labelFreeMd = [
      `Label-free scores (summary.json labelFree, mean ± sd). By ACC: ${accOrder}.`,
      '',
      `| method | ${LABEL_FREE.join(' | ')} |`,
      `|---|${LABEL_FREE.map(() => '---|').join('')}`,
      ...withScores.map((m) => `| ${m} | ${LABEL_FREE.map((k) => ms(lf(m, k))).join(' | ')} |`),
      `| ranks the methods as ACC does | ${LABEL_FREE.map((k) => {
        const o = order((m) => mean(lf(m, k)));
        return o === accOrder ? 'yes' : `no (${o})`;
      }).join(' | ')} |`,
    ].join('\n');
  }

  const images = perClass * 10;
  const title = `Fashion-MNIST ${split === 'dev' ? 'dev split (TRAIN images)' : 'test split'}, ${images.toLocaleString('en')} images, 28 px grey, small backbone, ${backend.name}, ${seeds.length} seed${seeds.length === 1 ? '' : 's'} (${seeds.join(', ')}), at most ${args.minutes} min per run${args.epochs ? `, ${args.epochs} epochs` : ''}${args.param!.length ? `, ${args.param!.join(' ')}` : ''}${done < total ? ` (partial: ${done} of ${total} runs so far)` : ''}`;
  const md = `${title}\n\n${table}\n${labelFreeMd ? `\n${labelFreeMd}\n` : ''}`;
  console.log(`\n${md}`);
  await mkdir('bench/results', { recursive: true });
  const when = new Date().toISOString();
  await writeFile(`${base}.json`, JSON.stringify({ when, ...protocol, seeds, results, done, total, bars: Object.fromEntries(ran.map((m) => [m, { bar: BARS[m].text, met: BARS[m].met(results[m]!) }])) }, null, 2) + '\n');
  await writeFile(`${base}.md`, `${when}\n\n${md}`);
}

const total = methods.length * seeds.length;
let done = 0;
for (const method of methods) {
  results[method] = [];
  for (const seed of seeds) {
    const kept = earlier[method]?.find((r) => r.seed === seed);
    if (!kept) await rm(join(runsDir, `${method}-${seed}`), { recursive: true, force: true });
    results[method]!.push(kept ?? (await runOnce(method, seed)));
    await report(++done, total);
  }
}
