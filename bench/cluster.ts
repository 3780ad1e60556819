// npm run bench -- cluster [--backends wasm,cpu] [--kernels kmeans,knn,pca] [--n N] [--repeat R] [--no-sklearn]
//
// The clustering kernels at DeepCluster/SCAN scale on seeded synthetic blobs: k-means (N x 128,
// k = 100, 20 Lloyd iterations, 1 restart), exact cosine kNN (N x 128, K = 20) and whitened PCA
// (N x 512 -> 256), N = 60,000, on every available tfjs backend, each in its own process (the cpu
// backend only when asked: its kNN alone, ~460 GFLOP of plain-JS matmul, takes minutes), and the
// same three in scikit-learn when /usr/bin/python3 has it, on the same data (raw float32 files).
// Writes bench/results/cluster.json. k-means and PCA run in --repeat rounds (default 3), each
// round one run per backend and one of scikit-learn, interleaved so that a busy spell on the
// shared machine does not hit one side only; the best run counts. kNN, the long one, runs once on
// each side.
import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { initBackend, type BackendName } from '../src/trainer/backend/index.js';
import { kmeans } from '../src/trainer/cluster/kmeans.js';
import { knnCosine } from '../src/trainer/cluster/knn.js';
import { applyPca, fitPca } from '../src/trainer/cluster/pca.js';
import { Rng } from '../src/trainer/util/rng.js';

const D = 128;
const WIDE_D = 512;
const CENTRES = 100;
const K_MEANS = 100;
const ITERS = 20;
const NEIGHBOURS = 20;
const PCA_DIM = 256;
const KERNELS = ['kmeans', 'knn', 'pca'] as const;
type Kernel = (typeof KERNELS)[number];
/** The bar: at most this many times scikit-learn's seconds. */
const BAR = 2;

const { values: opts } = parseArgs({
  options: {
    child: { type: 'string' },
    dir: { type: 'string' },
    n: { type: 'string', default: '60000' },
    backends: { type: 'string' },
    kernels: { type: 'string', default: KERNELS.join(',') },
    repeat: { type: 'string', default: '3' },
    'no-sklearn': { type: 'boolean', default: false },
  },
});
const N = Number(opts.n);
const REPEAT = Math.max(1, Number(opts.repeat));
const kernels = opts.kernels!.split(',') as Kernel[];
for (const k of kernels)
  if (!KERNELS.includes(k)) throw new Error(`unknown kernel ${k} (expected ${KERNELS.join(', ')})`);

interface Timing {
  /** The best run's. */
  seconds: number;
  runs?: number[];
  inertia?: number;
  iters?: number;
  reseeded?: number;
  /** scikit-learn's PCA solver. */
  solver?: string;
}
interface Run {
  backend: string;
  /** scikit-learn's and numpy's versions. */
  version?: string;
  threads?: number;
  skipped?: string;
  kernels: Partial<Record<Kernel | 'pcaFull', Timing>>;
}

/**
 * Gaussian blobs: CENTRES centres with spread 3 per coordinate, unit noise whose scale decays over
 * the coordinates (so PCA sees a spread spectrum, not a flat one), rows in random order.
 */
function blobs(rng: Rng, n: number, d: number): Float32Array {
  const centres = Float32Array.from({ length: CENTRES * d }, () => 3 * rng.normal());
  const noise = Float32Array.from({ length: d }, (_, j) => 1 / Math.sqrt(1 + j / 32));
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const c = rng.int(CENTRES) * d;
    for (let j = 0; j < d; j++) out[i * d + j] = centres[c + j]! + noise[j]! * rng.normal();
  }
  return out;
}

const files = (dir: string) => ({
  blobs: join(dir, 'blobs.f32'),
  wide: join(dir, 'wide.f32'),
  knnOurs: join(dir, 'knn-ours.i32'),
  knnSklearn: join(dir, 'knn-sklearn.i32'),
});

function readF32(path: string, rows: number, cols: number): tf.Tensor2D {
  const buf = readFileSync(path);
  // Copied out of the Buffer: its byte offset need not be a multiple of 4.
  const a = new Float32Array(rows * cols);
  new Uint8Array(a.buffer).set(buf);
  return tf.tensor2d(a, [rows, cols]);
}

async function timed<T>(f: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const r = await f();
  return [+((performance.now() - t0) / 1000).toFixed(3), r];
}

/** One run of each kernel on one backend in this process: prints a JSON line (Run). */
async function child(name: BackendName, dir: string): Promise<void> {
  let threads: number;
  try {
    threads = (await initBackend(name)).threads;
  } catch (e) {
    console.log(JSON.stringify({ backend: name, skipped: (e as Error).message, kernels: {} } satisfies Run));
    return;
  }
  const f = files(dir);
  const run: Run = { backend: name, threads, kernels: {} };
  if (kernels.includes('kmeans') || kernels.includes('knn')) {
    const x = readF32(f.blobs, N, D);
    if (kernels.includes('kmeans')) {
      const [seconds, km] = await timed(() =>
        kmeans(x, { k: K_MEANS, iters: ITERS, restarts: 1, rng: new Rng(1) }),
      );
      km.centroids.dispose();
      run.kernels.kmeans = { seconds, inertia: km.inertia, iters: km.iters, reseeded: km.reseeded };
    }
    if (kernels.includes('knn')) {
      const [seconds, nn] = await timed(() => knnCosine(x, NEIGHBOURS));
      writeFileSync(f.knnOurs, nn.indices);
      run.kernels.knn = { seconds };
    }
    x.dispose();
  }
  if (kernels.includes('pca')) {
    const w = readF32(f.wide, N, WIDE_D);
    const [seconds] = await timed(async () => {
      const p = await fitPca(w, PCA_DIM, { whiten: true });
      const y = applyPca(p, w);
      await y.data();
      tf.dispose([y]);
      p.dispose();
    });
    run.kernels.pca = { seconds };
    w.dispose();
  }
  console.log(JSON.stringify(run));
}

function runChild(name: string, dir: string, which: Kernel[]): Run {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', self, '--child', name, '--dir', dir, '--n', String(N), '--kernels', which.join(',')],
    { encoding: 'utf8', timeout: 3_600_000 },
  );
  const line = r.stdout
    ?.trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  if (r.status !== 0 || !line)
    return {
      backend: name,
      skipped: `bench process failed: ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-3).join(' | ')}`,
      kernels: {},
    };
  return JSON.parse(line) as Run;
}

/** scikit-learn with Debian's python (the PATH one may be a pyenv python without it). */
function sklearn(dir: string, which: Kernel[]): Run {
  const script = fileURLToPath(new URL('./cluster_sklearn.py', import.meta.url));
  const f = files(dir);
  const args = [
    script,
    '--blobs',
    f.blobs,
    '--wide',
    f.wide,
    '--n',
    String(N),
    '--d',
    String(D),
    '--wide-d',
    String(WIDE_D),
    '--k',
    String(K_MEANS),
    '--iters',
    String(ITERS),
    '--neighbours',
    String(NEIGHBOURS),
    '--pca-dim',
    String(PCA_DIM),
    '--kernels',
    which.join(','),
    '--knn-out',
    f.knnSklearn,
  ];
  const r = spawnSync('/usr/bin/python3', args, { encoding: 'utf8', timeout: 3_600_000 });
  const line = r.stdout?.trim().split('\n').pop();
  if (r.status === 0 && line?.startsWith('{')) {
    const { sklearn: version, numpy, ...timings } = JSON.parse(line) as Record<string, Timing | string>;
    return {
      backend: 'scikit-learn',
      version: `${version as string} (numpy ${numpy as string})`,
      kernels: timings as Run['kernels'],
    };
  }
  const why = r.error?.message ?? r.stderr?.trim().split('\n').pop() ?? `exit ${r.status}`;
  return {
    backend: 'scikit-learn',
    skipped: why.includes('No module named')
      ? `/usr/bin/python3 lacks it (scripts/setup.sh --bench): ${why}`
      : why,
    kernels: {},
  };
}

/** Share of our neighbour indices that scikit-learn found too (1 = the same neighbours, up to ties). */
function agreement(dir: string): number | undefined {
  const f = files(dir);
  try {
    const ours = new Int32Array(Uint8Array.from(readFileSync(f.knnOurs)).buffer);
    const theirs = new Int32Array(Uint8Array.from(readFileSync(f.knnSklearn)).buffer);
    let same = 0;
    for (let i = 0; i < N; i++) {
      const set = new Set(theirs.subarray(i * NEIGHBOURS, (i + 1) * NEIGHBOURS));
      for (const j of ours.subarray(i * NEIGHBOURS, (i + 1) * NEIGHBOURS)) if (set.has(j)) same++;
    }
    return same / (N * NEIGHBOURS);
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  if (opts.child) return child(opts.child as BackendName, opts.dir!);
  const backends = opts.backends?.split(',') ?? ['tensorflow-gpu', 'tensorflow', 'wasm'];
  const dir = mkdtempSync(join(tmpdir(), 'clusterlab-bench-'));
  try {
    const f = files(dir);
    const rng = new Rng(2026);
    process.stdout.write(`data: ${N} x ${D} and ${N} x ${WIDE_D} blobs (${CENTRES} centres) ... `);
    writeFileSync(f.blobs, blobs(rng.fork(), N, D));
    if (kernels.includes('pca')) writeFileSync(f.wide, blobs(rng.fork(), N, WIDE_D));
    console.log('written');

    // Skips are found in the first round; later rounds run only what ran.
    const runs = new Map<string, Run>();
    const record = (r: Run) => {
      const prev = runs.get(r.backend);
      if (!prev)
        return void runs.set(r.backend, {
          ...r,
          kernels: Object.fromEntries(
            Object.entries(r.kernels).map(([k, t]) => [k, { ...t, runs: [t.seconds] }]),
          ),
        });
      for (const [k, t] of Object.entries(r.kernels) as [keyof Run['kernels'], Timing][]) {
        const p = prev.kernels[k];
        prev.kernels[k] = p
          ? { ...(t.seconds < p.seconds ? t : p), runs: [...p.runs!, t.seconds] }
          : { ...t, runs: [t.seconds] };
      }
    };
    const quick = kernels.filter((k) => k !== 'knn');
    const rounds: Kernel[][] = [
      ...Array.from({ length: quick.length ? REPEAT : 0 }, () => quick),
      ...(kernels.includes('knn') ? [['knn'] as Kernel[]] : []),
    ];
    const sk = opts['no-sklearn'] ? undefined : 'scikit-learn';
    for (const [round, which] of rounds.entries()) {
      for (const b of backends) {
        if (runs.get(b)?.skipped) continue;
        process.stdout.write(`${b} ${which.join(', ')} (${round + 1}/${rounds.length}) ... `);
        const r = runChild(b, dir, which);
        console.log(
          r.skipped
            ? `skipped: ${r.skipped}`
            : which.map((k) => `${k} ${r.kernels[k]!.seconds.toFixed(2)} s`).join(', '),
        );
        record(r);
      }
      if (sk && !runs.get(sk)?.skipped) {
        process.stdout.write(`scikit-learn ${which.join(', ')} (${round + 1}/${rounds.length}) ... `);
        const r = sklearn(dir, which);
        console.log(
          r.skipped
            ? `skipped: ${r.skipped}`
            : which.map((k) => `${k} ${r.kernels[k]!.seconds.toFixed(2)} s`).join(', '),
        );
        record(r);
      }
    }
    const ref = sk ? runs.get(sk) : undefined;
    const ours = backends.map((b) => runs.get(b)!).filter(Boolean);
    const agree = ref && !ref.skipped && kernels.includes('knn') ? agreement(dir) : undefined;
    report(
      ours.filter((r) => !r.skipped),
      ours.filter((r) => r.skipped),
      ref,
      agree,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(ok: Run[], skipped: Run[], ref: Run | undefined, knnAgreement: number | undefined): void {
  const label: Record<Kernel, string> = {
    kmeans: `k-means ${N}x${D} k=${K_MEANS}, ${ITERS} it`,
    knn: `exact kNN ${N}x${D} K=${NEIGHBOURS}`,
    pca: `PCA ${N}x${WIDE_D} -> ${PCA_DIM} whitened`,
  };
  const refOk = ref && !ref.skipped ? ref : undefined;
  // For PCA the faster of scikit-learn's own choice (randomized here) and 'full' is the reference.
  const refSeconds = (k: Kernel): number | undefined => {
    if (!refOk) return undefined;
    const s = [refOk.kernels[k]?.seconds, k === 'pca' ? refOk.kernels.pcaFull?.seconds : undefined].filter(
      (v): v is number => v !== undefined,
    );
    return s.length ? Math.min(...s) : undefined;
  };
  const ratios: Record<string, Record<string, number>> = {};
  console.log(`\nseconds (lower is better); ratio = ours / scikit-learn, bar <= ${BAR}`);
  console.log(
    `${'kernel'.padEnd(36)} ${'backend'.padEnd(16)} ${'ours s'.padStart(8)} ${'sklearn s'.padStart(10)} ${'ratio'.padStart(6)}  bar`,
  );
  for (const k of kernels) {
    const rs = refSeconds(k);
    for (const r of ok) {
      const s = r.kernels[k]!.seconds;
      const ratio = rs ? s / rs : undefined;
      if (ratio !== undefined) (ratios[r.backend] ??= {})[k] = +ratio.toFixed(3);
      const bar = ratio === undefined ? '-' : ratio <= BAR ? 'met' : 'MISSED';
      console.log(
        `${label[k].padEnd(36)} ${`${r.backend} (${r.threads} thr)`.padEnd(16)} ${s.toFixed(2).padStart(8)} ${(rs?.toFixed(2) ?? '-').padStart(10)} ${(ratio?.toFixed(2) ?? '-').padStart(6)}  ${bar}`,
      );
    }
  }
  for (const r of skipped) console.log(`${r.backend}: skipped: ${r.skipped}`);
  for (const r of refOk ? [...ok, refOk] : ok) {
    const all = Object.entries(r.kernels).map(([k, t]) => `${k} ${t.runs!.join(', ')}`);
    console.log(`all runs (s), ${r.backend}${r.version ? ` ${r.version}` : ''}: ${all.join('; ')}`);
  }
  if (refOk?.kernels.pca)
    console.log(
      `scikit-learn PCA: ${refOk.kernels.pca.solver} ${refOk.kernels.pca.seconds.toFixed(2)} s, full ${refOk.kernels.pcaFull?.seconds.toFixed(2) ?? '-'} s`,
    );
  const kmRef = refOk?.kernels.kmeans;
  for (const r of ok)
    if (r.kernels.kmeans)
      console.log(
        `k-means inertia: ${r.backend} ${r.kernels.kmeans.inertia!.toExponential(4)} (${r.kernels.kmeans.reseeded} re-seeded)${kmRef ? `, scikit-learn ${kmRef.inertia!.toExponential(4)}` : ''}`,
      );
  if (knnAgreement !== undefined)
    console.log(
      `kNN: ${(100 * knnAgreement).toFixed(3)}% of the last backend's neighbours are scikit-learn's too`,
    );

  const out = {
    date: new Date().toISOString(),
    repeat: REPEAT,
    workload: {
      n: N,
      kmeans: { d: D, k: K_MEANS, iters: ITERS, restarts: 1, init: 'k-means++' },
      knn: { d: D, K: NEIGHBOURS, metric: 'cosine', exact: true },
      pca: { d: WIDE_D, dim: PCA_DIM, whiten: true },
      data: `${CENTRES} Gaussian blobs, seed 2026`,
    },
    machine: {
      cpu: cpus()[0]?.model,
      cores: availableParallelism(),
      memGiB: +(totalmem() / 2 ** 30).toFixed(1),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      tfjs: tf.version_core,
    },
    results: ok,
    skipped,
    sklearn: ref,
    ratioToSklearn: ratios,
    bar: BAR,
    knnAgreement,
  };
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/cluster.json', import.meta.url), JSON.stringify(out, null, 2) + '\n');
  console.log('\nwrote bench/results/cluster.json');
}

await main();
