// npm run bench -- corrections [--per-class N] [--seeds N] [--methods cc,scan,deepcluster]
//                              [--epochs N] [--retrain-epochs N] [--fraction F] [--fixtures DIR]
//
// Does "Retrain with my corrections" help? Labels play the user. Per method and seed (42, 43, ...):
//   before   a run with the method's defaults (--epochs overrides) on Fashion-MNIST's DEV split
//   correct  its `fraction` (default 1 %) least-confident images are moved, in labels.json, to the
//            cluster that holds most of their true class (an image already there is left alone)
//   with     `clusterlab retrain`'s code on that run: more epochs with the moves as anchors
//   without  the same retrain with no corrections: what the extra epochs alone do
// ACC of each (all images, and the images not corrected), mean ± sd over the seeds.
// The DEV split is quality.ts's: TRAIN positions 0-999 of each class in IDX order; this bench takes
// the first N of them per class (default 100: 1,000 images). Only that split: it is a tuning split.
// --reuse keeps the finished runs ("before") of an earlier bench and redoes only the retrains.
// Writes bench/results/corrections.json and .md after every run. To use more of a shared machine,
// run one process per method and seed (--methods M --first-seed S --seeds 1) with its own
// --results, then --merge DIR,DIR,... (with the same --per-class and --epochs) into bench/results.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { clusteringAccuracy } from '../src/common/eval/metrics.js';
import { parseAssignments } from '../src/common/runFiles.js';
import { readRunJson } from '../src/common/runJson.js';
import { emptyLabels } from '../src/protocol/labels.js';
import type { MethodName } from '../src/protocol/run.js';
import { FASHION_CLASSES, FASHION_SUPERCLASS, loadFashionMnist } from '../src/trainer/data/fashion.js';
import { defaultConfig } from '../src/trainer/run/config.js';

/** A run setting as every run here has it (the method's default config). */
const runFieldDefault = (key: 'imageSize' | 'channels') => defaultConfig('cc', '.')[key];
import { retrain } from '../src/trainer/run/retrain.js';
import { train, type TrainHooks } from '../src/trainer/run/train.js';
import { mean, ms } from './_stats.js';

const { values: args } = parseArgs({
  options: {
    'per-class': { type: 'string', default: '100' },
    seeds: { type: 'string', default: '3' },
    'first-seed': { type: 'string', default: '42' },
    methods: { type: 'string', default: 'cc,scan,deepcluster' },
    epochs: { type: 'string' },
    'retrain-epochs': { type: 'string' },
    fraction: { type: 'string', default: '0.01' },
    fixtures: { type: 'string', default: join(tmpdir(), 'clusterlab-bench-corrections') },
    results: { type: 'string', default: 'bench/results' },
    // Result folders of runs made side by side (one per method), merged into --results.
    merge: { type: 'string' },
    // Keep the finished "before" runs an earlier bench left in --fixtures and redo only the
    // retrains (after a change to the retrain alone; "before" minutes are read from run.json).
    reuse: { type: 'boolean', default: false },
  },
});
const perClass = Number(args['per-class']);
const seeds = Array.from({ length: Number(args.seeds) }, (_, i) => Number(args['first-seed']) + i);
const methods = args.methods!.split(',') as MethodName[];
const fraction = Number(args.fraction);
const retrainEpochs = args['retrain-epochs'] === undefined ? undefined : Number(args['retrain-epochs']);

/** The DEV split's first `perClass` images of each class (TRAIN file order) as <super>/<class>/<index>.png, written once. */
async function devFolder(): Promise<string> {
  const dir = join(args.fixtures!, `fashion-dev-${perClass}`);
  if (existsSync(join(dir, '.complete'))) return dir;
  await rm(dir, { recursive: true, force: true });
  const train = await loadFashionMnist('train');
  const taken = new Array<number>(10).fill(0);
  const px = train.rows * train.cols;
  for (let i = 0; i < train.n && taken.some((t) => t < perClass); i++) {
    const label = train.labels[i]!;
    if (taken[label]! >= perClass) continue;
    taken[label]!++;
    const cls = FASHION_CLASSES[label]!;
    await mkdir(join(dir, FASHION_SUPERCLASS[cls], cls), { recursive: true });
    await sharp(Buffer.from(train.images.subarray(i * px, (i + 1) * px)), {
      raw: { width: train.cols, height: train.rows, channels: 1 },
    })
      .toColourspace('b-w')
      .png()
      .toFile(join(dir, FASHION_SUPERCLASS[cls], cls, `${i}.png`));
  }
  await writeFile(join(dir, '.complete'), String(perClass * 10));
  return dir;
}

interface Scored {
  acc: number;
  /** ACC over the images that were not corrected. */
  accOthers: number;
}

interface Row {
  method: MethodName;
  seed: number;
  /** The run's epochs before the retrain. */
  epochs: number;
  corrected: number;
  before: Scored;
  with: Scored;
  without: Scored;
  minutes: { before: number; with: number; without: number };
}

async function scored(dir: string, corrected: ReadonlySet<string>): Promise<Scored> {
  const rows = parseAssignments(await readFile(join(dir, 'assignments.csv'), 'utf8'));
  const classes = [...new Set(rows.map((r) => r.label!))].sort();
  const acc = (subset: typeof rows) => {
    const k = Math.max(...rows.map((r) => r.cluster)) + 1;
    return clusteringAccuracy(
      Int32Array.from(subset, (r) => r.cluster),
      Int32Array.from(subset, (r) => classes.indexOf(r.label!)),
      k,
      classes.length,
    ).acc;
  };
  return { acc: acc(rows), accOthers: acc(rows.filter((r) => !corrected.has(r.path))) };
}

/** The user, played by the labels: the least-confident images moved to the cluster holding most of their class. */
async function correct(dir: string): Promise<Set<string>> {
  const rows = parseAssignments(await readFile(join(dir, 'assignments.csv'), 'utf8'));
  const counts = new Map<string, Map<number, number>>();
  for (const r of rows) {
    const c = counts.get(r.label!) ?? new Map<number, number>();
    c.set(r.cluster, (c.get(r.cluster) ?? 0) + 1);
    counts.set(r.label!, c);
  }
  const home = (label: string) => [...counts.get(label)!].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]![0];
  const worst = [...rows]
    .sort((a, b) => a.confidence - b.confidence)
    .slice(0, Math.ceil(fraction * rows.length));
  const labels = emptyLabels();
  for (const r of worst) if (home(r.label!) !== r.cluster) labels.moves[r.path] = home(r.label!);
  await writeFile(join(dir, 'labels.json'), JSON.stringify(labels));
  return new Set(Object.keys(labels.moves));
}

const quiet: TrainHooks = { log: () => undefined };
const minutesSince = (t0: number) => (performance.now() - t0) / 60_000;

async function report(rows: Row[], data: string, load: number[]): Promise<void> {
  const lines = [
    new Date().toISOString(),
    '',
    `Fashion-MNIST DEV split (TRAIN positions 0-${perClass - 1} of each class: ${perClass * 10} images, grey PNGs read ` +
      `at the run defaults: ${runFieldDefault('imageSize')} px, ${runFieldDefault('channels')} channels), ` +
      `each method's defaults but its epochs (the table's), wasm, seeds ${seeds.join(', ')}; ` +
      `the ${(fraction * 100).toFixed(0)} % least-confident images corrected to the cluster holding most of their class; ` +
      `retrains of ${retrainEpochs ?? 'the default (a sixth of the run, at least 2)'} more epochs. ` +
      `Load average at the start ${load.map((l) => l.toFixed(1)).join(', ')} (2 cores, shared).`,
    '',
    '| method | epochs | seeds | corrected | ACC before | ACC after retrain with corrections | ACC after retrain without | with - without | ACC of the others: before / with / without | minutes: run / retrain |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const m of methods) {
    const rs = rows.filter((r) => r.method === m);
    if (rs.length === 0) continue;
    lines.push(
      `| ${m} | ${[...new Set(rs.map((r) => r.epochs))].join(', ')} | ${rs.length} | ${ms(rs.map((r) => r.corrected))} | ${ms(rs.map((r) => r.before.acc))} | ${ms(rs.map((r) => r.with.acc))} | ${ms(rs.map((r) => r.without.acc))} | ${ms(rs.map((r) => r.with.acc - r.without.acc))} | ${ms(rs.map((r) => r.before.accOthers))} / ${ms(rs.map((r) => r.with.accOthers))} / ${ms(rs.map((r) => r.without.accOthers))} | ${mean(rs.map((r) => r.minutes.before)).toFixed(1)} / ${mean(rs.map((r) => (r.minutes.with + r.minutes.without) / 2)).toFixed(1)} |`,
    );
  }
  await mkdir(args.results!, { recursive: true });
  await writeFile(join(args.results!, 'corrections.md'), lines.join('\n') + '\n');
  await writeFile(
    join(args.results!, 'corrections.json'),
    JSON.stringify({ split: 'dev', data, perClass, fraction, seeds, retrainEpochs, load, rows }, null, 1) +
      '\n',
  );
}

if (args.merge) {
  const parts = await Promise.all(
    args.merge
      .split(',')
      .map(async (dir) => JSON.parse(await readFile(join(dir, 'corrections.json'), 'utf8'))),
  );
  await report(
    parts.flatMap((p: { rows: Row[] }) => p.rows),
    parts[0].data,
    parts[0].load,
  );
  process.exit(0);
}

const load = (await import('node:os')).loadavg();
const data = await devFolder();
const runs = join(args.fixtures!, `runs-${perClass}-${methods.join('-')}-${seeds.join('-')}`);
if (!args.reuse) await rm(runs, { recursive: true, force: true });
const rows: Row[] = [];
for (const method of methods)
  for (const seed of seeds) {
    const config = {
      ...defaultConfig(method, data),
      seed,
      backend: 'wasm' as const,
      ...(args.epochs ? { epochs: Number(args.epochs) } : {}),
    };
    const base = join(runs, `${method}-${seed}`);
    let t0 = performance.now();
    const kept = args.reuse ? await readRunJson(base) : undefined;
    if (kept?.status !== 'done') await train(config, base, join(args.fixtures!, 'cache'), quiet);
    const tBefore = kept?.endedAt
      ? (Date.parse(kept.endedAt) - Date.parse(kept.startedAt)) / 60_000
      : minutesSince(t0);
    const corrected = await correct(base);
    const opts = retrainEpochs === undefined ? {} : { epochs: retrainEpochs };
    for (const done of ['with', 'without']) await rm(`${base}-${done}`, { recursive: true, force: true });
    t0 = performance.now();
    await retrain(base, `${base}-with`, join(args.fixtures!, 'cache'), quiet, opts);
    const tWith = minutesSince(t0);
    t0 = performance.now();
    await retrain(base, `${base}-without`, join(args.fixtures!, 'cache'), quiet, {
      ...opts,
      corrections: false,
    });
    const tWithout = minutesSince(t0);
    const row: Row = {
      method,
      seed,
      epochs: (await readRunJson(base))!.config.epochs,
      corrected: corrected.size,
      before: await scored(base, corrected),
      with: await scored(`${base}-with`, corrected),
      without: await scored(`${base}-without`, corrected),
      minutes: { before: tBefore, with: tWith, without: tWithout },
    };
    rows.push(row);
    console.log(
      `${method} seed ${seed}: ${row.corrected} corrected; ACC ${row.before.acc.toFixed(3)} -> with ${row.with.acc.toFixed(3)}, without ${row.without.acc.toFixed(3)} (${tBefore.toFixed(1)} + ${tWith.toFixed(1)} + ${tWithout.toFixed(1)} min)`,
    );
    await report(rows, data, load);
  }
