// npm run bench -- quality [--split test|dev|report] [--protocol transductive|inductive] [--seeds N] [--first-seed S]
//                          [--methods cc,scan,deepcluster] [--minutes M] [--per-class N] [--epochs N]
//                          [--backend B] [--param NAME=VALUE ...] [--resume] [--results DIR] [--fixtures DIR]
//                          [--features MODEL|nsfwjs]
//
// Clustering quality on Fashion-MNIST (Debian dataset-fashion-mnist, 10 classes, 28 px grey, written
// once as <super>/<class>/<i>.png, i the image's index in its IDX file, so a run takes the same path
// as a user's folder). The image sets, per class in IDX file order (the train file has exactly 6,000
// images of each class; checked):
//   dev     TRAIN positions 0-999 of each class: where settings are tuned.
//   test    the 10,000 TEST images: a TUNING split too (defaults were chosen on it before dev existed).
//   report  TRAIN positions 5000-5999 of each class (the last 1,000): touched by no dev or test run;
//           run once per change of defaults, from a clean tree (the commit goes in the results file).
//   fit     TRAIN positions 1000-1999 (report's inductive held-out set: untouched too), dev-fit
//           2000-2999 (dev's).
// dev, fit, dev-fit and report are checked pairwise disjoint before anything runs.
// --protocol transductive (the default): each method trains on the split's images and is scored on
// them, as the CLI does. --protocol inductive: the networks the transductive bench trained on the
// split (its finished runs, one training per seed serving both tables) assign a disjoint set they
// never saw (report: fit; dev: dev-fit; test: the dev images) through `clusterlab assign`'s code
// (src/trainer/run/assignFolder.ts), and those images are scored; pixel k-means likewise fits on the
// split and gives each held-out image its nearest centroid. Run the transductive bench first.
// Each method trains with its defaults through the real `train()`, once per seed (42, 43, ...; with
// --first-seed S: S, S + 1, ..., so seeds can run in separate processes, each with --resume and
// its own --results), within M minutes (default 30; transductive: when the budget ends first, the last evaluated epoch counts;
// inductive needs the transductive run finished). Beside them, k-means on the raw pixels of the same images
// (src/trainer/cluster/pixelKmeans.ts, the CLI's baseline: k-means++, best of 3 starts), once per seed.
// Every figure is mean ± sd over the seeds; a bar is met only when mean - sd clears it.
// The label-free scores (summary.json `labelFree`; for a run the budget cut, its last counted
// epoch's metrics row) are shown per method; confidence and balance are checked against ACC: does
// each rank the methods the same way? (kNN consistency and silhouette are not ranked: each run
// measures them in its own features. Transductive only: inductively they would describe the
// training set.)
// Writes <--results, default bench/results>/quality[-dev|-report][-inductive][-N].json and .md after every run (-N: a
// run on fewer than 1,000 images per class, a smoke test, kept apart from the real files and not
// committed);
// --features MODEL: the embedding methods (kmeans, scanhead, temi) cluster that feature model's
// embeddings (the image methods and pixel k-means are unchanged); `nsfwjs` writes nsfwjs's bundled
// MobileNetV2 (test/trainer/nsfwjsModel.ts) and uses it. The files are then quality[-SPLIT]-features-<name>[-N],
// committed even at fewer than 1,000 images per class (embedding a full split is the cost).
// `--resume` keeps the runs such a file holds (same protocol, size, budget, epochs, params, backend)
// and trains only the others. `--split dev --per-class 20 --epochs 3 --seeds 2` is a smoke test.
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import type { LabelFree, MethodName, MetricsRow, TrainConfig } from '../src/protocol/run.js';
import { initBackend } from '../src/trainer/backend/index.js';
import { pixelKmeans } from '../src/trainer/cluster/pixelKmeans.js';
import { loadDataset } from '../src/trainer/data/dataset.js';
import { FASHION_CLASSES, FASHION_SUPERCLASS, loadFashionMnist } from '../src/trainer/data/fashion.js';
import { isEmbeddingMethod, isMethodName, METHOD_NAMES } from '../src/common/methods/index.js';
import { score } from '../src/common/eval/metrics.js';
import { parseAssignments } from '../src/common/runFiles.js';
import { readRunJson } from '../src/common/runJson.js';
import { Assigner } from '../src/trainer/run/assign.js';
import { assignFolder } from '../src/trainer/run/assignFolder.js';
import { defaultConfig } from '../src/trainer/run/config.js';
import { train } from '../src/trainer/run/train.js';
import { writeNsfwjsMobileNetV2 } from '../test/trainer/nsfwjsModel.js';
import { mean, sd, ms } from './_stats.js';

const { values: args } = parseArgs({
  options: {
    split: { type: 'string', default: 'test' },
    protocol: { type: 'string', default: 'transductive' },
    seeds: { type: 'string', default: '3' },
    'first-seed': { type: 'string', default: '42' },
    methods: { type: 'string', default: METHOD_NAMES.join(',') },
    minutes: { type: 'string', default: '30' },
    'per-class': { type: 'string', default: '1000' },
    epochs: { type: 'string' },
    backend: { type: 'string', default: 'auto' },
    param: { type: 'string', multiple: true, default: [] },
    fixtures: { type: 'string', default: join(tmpdir(), 'clusterlab-bench-quality') },
    resume: { type: 'boolean', default: false },
    results: { type: 'string', default: 'bench/results' },
    features: { type: 'string' },
  },
});
const split = args.split!;
if (split !== 'test' && split !== 'dev' && split !== 'report')
  throw new Error(`--split must be test, dev or report (got ${split})`);
const inductive = args.protocol === 'inductive';
if (!inductive && args.protocol !== 'transductive')
  throw new Error(`--protocol must be transductive or inductive (got ${args.protocol})`);
const methods = args.methods!.split(',') as MethodName[];
for (const m of methods)
  if (!isMethodName(m)) throw new Error(`--methods: unknown method ${m} (${METHOD_NAMES.join(', ')})`);
const seeds = Array.from({ length: Number(args.seeds) }, (_, i) => Number(args['first-seed']) + i);
if (seeds.length < 1) throw new Error(`--seeds must be a whole number of at least 1 (got ${args.seeds})`);
const perClass = Number(args['per-class']);
if (!Number.isInteger(perClass) || perClass < 1 || perClass > 1000)
  throw new Error(`--per-class must be a whole number from 1 to 1000 (got ${args['per-class']})`);
const budgetMs = Number(args.minutes) * 60_000;
const LABEL_FREE = ['confidence', 'balance', 'knnConsistency', 'silhouette'] as const;

type SetName = 'dev' | 'test' | 'report' | 'fit' | 'dev-fit';
/** Each set: its IDX file and, per class in file order, its positions [from, from + 1000). */
const SETS: Record<SetName, { source: 'train' | 'test'; from: number }> = {
  dev: { source: 'train', from: 0 },
  fit: { source: 'train', from: 1000 },
  'dev-fit': { source: 'train', from: 2000 },
  report: { source: 'train', from: 5000 },
  test: { source: 'test', from: 0 },
};
/** The images an inductive bench scores: a set disjoint from the split the networks trained on. */
const HELD_OUT_OF: Record<typeof split, SetName> = { report: 'fit', dev: 'dev-fit', test: 'dev' };
const PER_CLASS_IN = { train: 6000, test: 1000 };

/** The IDX indices of a set's first `n` images of each class (n <= 1000), ascending. */
function indicesOf(set: SetName, labels: Uint8Array, n: number): number[] {
  const { source, from } = SETS[set];
  const seen = new Array<number>(10).fill(0);
  const out: number[] = [];
  labels.forEach((label, i) => {
    const at = seen[label]!++;
    if (at >= from && at < from + n) out.push(i);
  });
  for (let c = 0; c < 10; c++) {
    if (seen[c] !== PER_CLASS_IN[source])
      throw new Error(
        `Fashion-MNIST ${source}: class ${c} has ${seen[c]} images, expected ${PER_CLASS_IN[source]}`,
      );
  }
  return out;
}

/** The train sets are pairwise disjoint (each at its full 1,000 per class); printed, and the bench stops if not. */
async function checkDisjoint(): Promise<void> {
  const { labels } = await loadFashionMnist('train');
  const sets = (['dev', 'fit', 'dev-fit', 'report'] as const).map((name) => ({
    name,
    ids: new Set(indicesOf(name, labels, 1000)),
  }));
  for (const a of sets)
    for (const b of sets) {
      if (a.name < b.name && [...a.ids].some((i) => b.ids.has(i)))
        throw new Error(`Fashion-MNIST train sets ${a.name} and ${b.name} overlap`);
    }
  console.log(`train sets ${sets.map((s) => `${s.name} (${s.ids.size})`).join(', ')}: pairwise disjoint`);
}

/** `perClass` images of each class of a set as PNGs in <super>/<class>/<index>.png, written once. */
async function fixture(set: SetName): Promise<{ dir: string; indices: number[] }> {
  const src = await loadFashionMnist(SETS[set].source);
  const indices = indicesOf(set, src.labels, perClass);
  const dir = join(args.fixtures!, `fashion-${set}-${perClass}`);
  const marker = join(dir, '.complete');
  if (existsSync(marker)) return { dir, indices };
  await rm(dir, { recursive: true, force: true });
  const px = src.rows * src.cols;
  console.log(`writing ${indices.length} PNGs to ${dir} (once)...`);
  for (const i of indices) {
    const cls = FASHION_CLASSES[src.labels[i]!]!;
    const folder = join(dir, FASHION_SUPERCLASS[cls], cls);
    await mkdir(folder, { recursive: true });
    const raw = Buffer.from(src.images.subarray(i * px, (i + 1) * px));
    await sharp(raw, { raw: { width: src.cols, height: src.rows, channels: 1 } })
      .toColourspace('b-w')
      .png()
      .toFile(join(folder, `${i}.png`));
  }
  await writeFile(marker, String(indices.length));
  return { dir, indices };
}

/** The commit the defaults are measured at, and whether the tree had uncommitted changes (then the figures are of no commit). */
function frozenAt(): { commit: string; clean: boolean } {
  const git = (...a: string[]) => execFileSync('git', a, { encoding: 'utf8' }).trim();
  return {
    commit: git('rev-parse', 'HEAD'),
    clean: git('status', '--porcelain', '--untracked-files=no') === '',
  };
}

function params(pairs: string[]): TrainConfig['params'] {
  return Object.fromEntries(
    pairs.map((p) => {
      const [k, v] = [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)];
      return [k, Number.isFinite(Number(v)) ? Number(v) : v === 'true' ? true : v === 'false' ? false : v];
    }),
  );
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

await checkDisjoint();
const commit = frozenAt();
if (!commit.clean)
  console.log(
    `the tree has uncommitted changes: the results file says so (defaults are frozen at a clean commit)`,
  );
// Both protocols train on the split; transductive scores it, inductive a disjoint held-out set.
const trainedOn = await fixture(split);
const scored = inductive ? await fixture(HELD_OUT_OF[split]) : trainedOn;
const data = trainedOn.dir;
const cacheDir = join(args.fixtures!, 'cache');
// The transductive bench's runs: the inductive one reads them and never removes any.
const runsDir = join(args.fixtures!, `runs-${split}`);
if (!args.resume && !inductive) await rm(runsDir, { recursive: true, force: true });
const backend = await initBackend(args.backend as TrainConfig['backend']);
const results: Record<string, Run[]> = { 'k-means on pixels': [] };
/** --features: the model file the embedding methods read, and the name the results files carry. */
const features = !args.features
  ? undefined
  : args.features === 'nsfwjs'
    ? {
        file: await writeNsfwjsMobileNetV2(join(args.fixtures!, 'nsfwjs-mobilenet_v2')),
        name: 'nsfwjs-mobilenetv2',
      }
    : {
        file: resolve(args.features),
        name: basename(args.features).endsWith('model.json')
          ? basename(dirname(resolve(args.features)))
          : basename(args.features).replace(/\.[^.]*$/, ''),
      };
const base = join(
  args.results!,
  `quality${split === 'test' ? '' : `-${split}`}${inductive ? '-inductive' : ''}${features ? `-features-${features.name}` : ''}${perClass < 1000 ? `-${perClass}` : ''}`,
);
/** Inductive: the transductive bench's results file, which says which of its runs finished and how long they took. */
const transductiveBase = base.replace(/-inductive(?=[^/]*$)/, '');
const transductive =
  inductive && existsSync(`${transductiveBase}.json`)
    ? (JSON.parse(await readFile(`${transductiveBase}.json`, 'utf8')) as {
        frozenAt: { commit: string; clean: boolean };
        results: Record<string, Run[]>;
      })
    : undefined;
if (inductive && !transductive) {
  console.error(
    `--protocol inductive: ${transductiveBase}.json is missing; the inductive bench scores the transductive bench's networks: run \`npm run bench -- quality --split ${split}\` first`,
  );
  process.exit(1);
}
const setRule = (set: SetName) =>
  `Fashion-MNIST ${SETS[set].source} IDX file, per class in file order, positions ${SETS[set].from}-${SETS[set].from + perClass - 1}`;
/** The scored images: the rule, and a hash of their IDX indices (ascending, comma-joined) to check it by. */
const scoredSet = inductive ? HELD_OUT_OF[split] : split;
const images = {
  scored: {
    set: scoredSet,
    rule: setRule(scoredSet),
    sha256: createHash('sha256').update(scored.indices.join(',')).digest('hex'),
  },
  ...(inductive ? { trainedOn: { set: split, rule: setRule(split) } } : {}),
};
const protocol = {
  split,
  protocol: args.protocol,
  images: perClass * 10,
  budgetMinutes: Number(args.minutes),
  epochs: args.epochs ? Number(args.epochs) : undefined,
  params: args.param,
  backend: backend.name,
  features: features?.name,
};
/** --resume: the runs an earlier bench of the same protocol finished (it writes its table after every run). */
const earlier: Record<string, Run[]> = {};
if (args.resume && existsSync(`${base}.json`)) {
  const old = JSON.parse(await readFile(`${base}.json`, 'utf8')) as typeof protocol & {
    results: Record<string, Run[]>;
  };
  for (const [k, v] of Object.entries(protocol)) {
    if (JSON.stringify(old[k as keyof typeof protocol]) === JSON.stringify(v)) continue;
    // One line and out: a throw here would print the wasm backend's whole source with it.
    console.error(
      `--resume: ${base}.json was measured with ${k} ${JSON.stringify(old[k as keyof typeof protocol])}, this bench with ${JSON.stringify(v)}`,
    );
    process.exit(2);
  }
  for (const [name, runs] of Object.entries(old.results))
    earlier[name] = runs.filter((r) => seeds.includes(r.seed));
  console.log(
    `--resume: ${Object.entries(earlier)
      .map(([n, r]) => `${n} seeds ${r.map((x) => x.seed).join(', ') || 'none'}`)
      .join('; ')} from ${base}.json`,
  );
}

{
  const ds = await loadDataset(data, { imageSize: 28, channels: 1, cacheDir });
  const heldOut = inductive
    ? await loadDataset(scored.dir, { imageSize: 28, channels: 1, cacheDir })
    : undefined;
  for (const seed of seeds) {
    const t0 = performance.now();
    const s = (await pixelKmeans(ds, 10, seed, heldOut))!;
    results['k-means on pixels']!.push({
      seed,
      ...s,
      minutes: (performance.now() - t0) / 60_000,
      epochs: 0,
      finished: true,
    });
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
    ...(features && isEmbeddingMethod(method) ? { features: features.file } : {}),
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
      if (elapsed * 1000 <= budgetMs && typeof r.acc === 'number')
        inBudget.push({ row: r, seconds: elapsed });
      console.log(
        `  ${method} seed ${seed} epoch ${r.epoch} ${r.phase} loss ${r.loss.toFixed(3)} acc ${(r.acc as number | undefined)?.toFixed(3) ?? '-'} ${(elapsed / 60).toFixed(1)} min`,
      );
    },
    signal: abort.signal,
  });
  clearTimeout(timer);
  const finished = result.run.status === 'done' && performance.now() - t0 <= budgetMs;
  const last = inBudget.at(-1);
  if (!last)
    throw new Error(`${method} seed ${seed} finished no evaluated epoch within ${args.minutes} minutes`);
  const s =
    finished && result.summary
      ? result.summary
      : (last.row as unknown as { acc: number; nmi: number; ari: number });
  return {
    seed,
    acc: s.acc!,
    nmi: s.nmi!,
    ari: s.ari!,
    minutes: last.seconds / 60,
    epochs: last.row.epoch,
    finished,
    labelFree: labelFreeOf(finished ? result.summary?.labelFree : last.row),
  };
}

/** Inductive: the transductive bench's finished run of this method and seed assigns the held-out images. */
async function assignHeldOut(method: MethodName, seed: number): Promise<Run> {
  const trained = transductive?.results[method]?.find((r) => r.seed === seed);
  const dir = join(runsDir, `${method}-${seed}`);
  const status = (await readRunJson(dir))?.status;
  if (!trained?.finished || status !== 'done') {
    console.error(
      `${method} seed ${seed}: the inductive bench needs the transductive bench's finished run in ${dir} (${transductiveBase}.json ${trained ? 'has it cut by the budget' : 'does not hold it'}, run.json ${status ?? 'missing'}): run \`npm run bench -- quality --split ${split}\` first`,
    );
    process.exit(1);
  }
  const t0 = performance.now();
  const s = await assignScored(dir);
  console.log(
    `  ${method} seed ${seed}: ${scored.indices.length} held-out images assigned in ${((performance.now() - t0) / 1000).toFixed(1)} s, ACC ${s.acc.toFixed(3)}`,
  );
  return { seed, ...s, minutes: trained.minutes, epochs: trained.epochs, finished: true };
}

/** The scored images through a finished run (`clusterlab assign`'s code), scored against their class folders. */
async function assignScored(runDir: string): Promise<{ acc: number; nmi: number; ari: number }> {
  const { csv } = await assignFolder(new Assigner(async () => undefined), runDir, scored.dir, {
    overwrite: true,
  });
  const rows = parseAssignments(await readFile(csv, 'utf8'));
  if (rows.length !== scored.indices.length)
    throw new Error(`${runDir}: ${rows.length} of ${scored.indices.length} images assigned`);
  const truth = Int32Array.from(rows, (r) =>
    FASHION_CLASSES.indexOf(r.path.split('/')[1] as (typeof FASHION_CLASSES)[number]),
  );
  const s = score(
    Int32Array.from(rows, (r) => r.cluster),
    truth,
    10,
    10,
  );
  return { acc: s.acc, nmi: s.nmi, ari: s.ari };
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
    deepcluster: {
      text: 'ACC > pixel k-means',
      met: (rs) => lower(rs, 'acc') > mean(pixel.map((r) => r.acc)),
    },
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
      const gain =
        name === 'k-means on pixels'
          ? ''
          : (mean(rs.map((r) => r.acc)) - mean(pixel.map((r) => r.acc))).toFixed(3);
      const epochs = [...new Set(rs.map((r) => `${r.epochs}${r.finished ? '' : ' (budget)'}`))].join(', ');
      const bar = BARS[name as MethodName];
      return `| ${name} | ${col('acc')} | ${col('nmi')} | ${col('ari')} | ${gain} | ${epochs} | ${ms(
        rs.map((r) => r.minutes),
        1,
      )} | ${bar ? `${bar.text}: ${bar.met(rs) ? 'met' : 'missed'}` : 'baseline'} |`;
    }),
  ].join('\n');

  // Label-free scores: per method, and whether ordering the methods by each gives ACC's order.
  const withScores = inductive ? [] : ran.filter((m) => results[m]!.every((r) => r.labelFree));
  let labelFreeMd = '';
  if (withScores.length > 0) {
    const order = (value: (m: MethodName) => number) =>
      [...withScores].sort((a, b) => value(b) - value(a)).join(' > ');
    const accOrder = order((m) => mean(results[m]!.map((r) => r.acc)));
    const lf = (m: MethodName, k: (typeof LABEL_FREE)[number]) => results[m]!.map((r) => r.labelFree![k]);
    labelFreeMd = [
      `Label-free scores (summary.json labelFree, mean ± sd). By ACC: ${accOrder}.`,
      '',
      `| method | ${LABEL_FREE.join(' | ')} |`,
      `|---|${LABEL_FREE.map(() => '---|').join('')}`,
      ...withScores.map((m) => `| ${m} | ${LABEL_FREE.map((k) => ms(lf(m, k))).join(' | ')} |`),
      // kNN consistency and silhouette are measured in each run's own features: ranking methods by them compares different spaces.
      `| ranks the methods as ACC does | ${LABEL_FREE.map((k) => {
        if (k === 'knnConsistency' || k === 'silhouette') return 'not ranked (own features)';
        const o = order((m) => mean(lf(m, k)));
        return o === accOrder ? 'yes' : `no (${o})`;
      }).join(' | ')} |`,
    ].join('\n');
  }

  const n = (perClass * 10).toLocaleString('en');
  const splitName = {
    dev: 'dev split (TRAIN images; tuning)',
    test: 'test split (a tuning split)',
    report: 'report split (TRAIN images no dev or test run used)',
  }[split];
  const how = inductive
    ? `inductive: the transductive bench's networks, trained on ${images.trainedOn!.rule}, assign ${n} images they never saw (${images.scored.rule}), which are scored`
    : `transductive: trained and scored on ${n} images (${images.scored.rule})`;
  const title = `Fashion-MNIST ${splitName}, ${how}, 28 px grey, small backbone, ${backend.name}, ${seeds.length} seed${seeds.length === 1 ? '' : 's'} (${seeds.join(', ')}), at most ${args.minutes} min per run${args.epochs ? `, ${args.epochs} epochs` : ''}${args.param!.length ? `, ${args.param!.join(' ')}` : ''}${features ? `, the embedding methods (${methods.filter(isEmbeddingMethod).join(', ') || 'none'}) on ${features.name} embeddings` : ''}${done < total ? ` (partial: ${done} of ${total} runs so far)` : ''}`;
  const frozen = `${inductive ? `Networks trained with the defaults as of commit ${transductive!.frozenAt.commit}${transductive!.frozenAt.clean ? '' : ' WITH UNCOMMITTED CHANGES'} (the transductive results file); assigned and scored at commit ${commit.commit}` : `Defaults as of commit ${commit.commit}`}${commit.clean ? '' : ' WITH UNCOMMITTED CHANGES (the figures are of no commit)'}.`;
  const md = `${title}\n\n${frozen}\n\n${table}\n${labelFreeMd ? `\n${labelFreeMd}\n` : ''}`;
  console.log(`\n${md}`);
  await mkdir(args.results!, { recursive: true });
  const when = new Date().toISOString();
  await writeFile(
    `${base}.json`,
    JSON.stringify(
      {
        when,
        ...protocol,
        frozenAt: inductive ? transductive!.frozenAt : commit,
        ...(inductive ? { assignedAt: commit } : {}),
        imageSets: images,
        seeds,
        results,
        done,
        total,
        bars: Object.fromEntries(ran.map((m) => [m, { bar: BARS[m].text, met: BARS[m].met(results[m]!) }])),
      },
      null,
      2,
    ) + '\n',
  );
  await writeFile(`${base}.md`, `${when}\n\n${md}`);
}

const total = methods.length * seeds.length;
let done = 0;
for (const method of methods) {
  results[method] = [];
  for (const seed of seeds) {
    const kept = earlier[method]?.find((r) => r.seed === seed);
    if (!kept && !inductive) await rm(join(runsDir, `${method}-${seed}`), { recursive: true, force: true });
    results[method]!.push(kept ?? (await (inductive ? assignHeldOut : runOnce)(method, seed)));
    await report(++done, total);
  }
}
