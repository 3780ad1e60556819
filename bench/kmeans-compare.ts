// npm run bench -- kmeans-compare [--n 70000] [--dims 512] [--k 10] [--noise 4] [--seeds 1,2] [--base 0fc02c2]
//
// The kmeans method of this checkout against the same method at --base (a git revision, unpacked
// to a temporary folder with `git archive`), side by side in one run: each (noise, seed) runs both
// sides in a fresh child process each, on the same seeded Gaussian-mixture embeddings (--k classes,
// N(0, noise^2) per coordinate around N(0, 1) centres), the order alternating between seeds. The
// machine is shared, so the figures that matter are the ratios (base / this) of wall and CPU
// seconds from the same moment; equivalence is the inertia ratio and the ARI between the two
// sides' clusterings. Results: bench/results/kmeans-compare.json and .md.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ari } from '../src/common/eval/metrics.js';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '70000' },
    dims: { type: 'string', default: '512' },
    k: { type: 'string', default: '10' },
    noise: { type: 'string', default: '4' },
    seeds: { type: 'string', default: '1,2' },
    base: { type: 'string', default: '0fc02c2' },
  },
});
const RESULTS = 'bench/results/kmeans-compare';
const here = resolve('.');
const tmp = mkdtempSync(join(tmpdir(), 'clusterlab-kmeans-compare-'));
const baseRoot = join(tmp, 'base');
mkdirSync(baseRoot);
const archive = execFileSync(
  'git',
  ['archive', args.base!, 'src', 'test/trainer', 'package.json', 'tsconfig.json'],
  { maxBuffer: 1 << 30 },
);
execFileSync('tar', ['-x', '-C', baseRoot], { input: archive });
symlinkSync(join(here, 'node_modules'), join(baseRoot, 'node_modules'));
const baseRev = execFileSync('git', ['rev-parse', '--short', args.base!]).toString().trim();
const headRev = execFileSync('git', ['rev-parse', '--short', 'HEAD']).toString().trim();
const dirty = execFileSync('git', ['status', '--porcelain', 'src']).toString().trim() !== '';

interface Side {
  seconds: number;
  cpuSeconds: number;
  inertia: number;
  acc: number;
  iters: number;
  load: number;
}
interface Row {
  noise: number;
  seed: number;
  base: Side;
  head: Side;
  ari: number;
}
const rows: Row[] = [];

function side(root: string, noise: number, seed: number): { side: Side; cluster: Int32Array } {
  const out = join(tmp, 'clusters.i32');
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      join(here, 'bench/_kmeansSide.ts'),
      root,
      args.n!,
      args.dims!,
      args.k!,
      String(seed),
      out,
      String(noise),
    ],
    { cwd: here, encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`${root}: ${r.stderr}`);
  const line = r.stdout.trim().split('\n').at(-1)!;
  const bytes = readFileSync(out);
  return {
    side: { ...(JSON.parse(line) as Omit<Side, 'load'>), load: loadavg()[0]! },
    cluster: new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4),
  };
}

/** Writes every row so far (a bench cut short by its time box keeps what it measured). */
function save(): void {
  const machine = { cpu: cpus()[0]?.model, cores: availableParallelism(), node: process.version };
  const conditions = {
    n: Number(args.n),
    dims: Number(args.dims),
    k: Number(args.k),
    backend: 'wasm',
    base: baseRev,
    head: `${headRev}${dirty ? '+uncommitted' : ''}`,
    at: new Date().toISOString(),
  };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(`${RESULTS}.json`, JSON.stringify({ machine, conditions, rows }, null, 2) + '\n');
  const md = [
    `kmeans method (10 restarts, <= 100 iterations, tol 1e-6), ${conditions.n} x ${conditions.dims} Gaussian-mixture embeddings, ${conditions.k} classes, wasm backend, ${machine.cores} cores (shared), ${conditions.at.slice(0, 16)}Z; base ${conditions.base}, this ${conditions.head}.`,
    '',
    '| noise | seed | base wall s | this wall s | wall ratio | base CPU s | this CPU s | CPU ratio | inertia this/base | ARI base vs this | ACC base / this | load avg |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.noise} | ${r.seed} | ${r.base.seconds.toFixed(1)} | ${r.head.seconds.toFixed(1)} | ${(r.base.seconds / r.head.seconds).toFixed(2)} | ${r.base.cpuSeconds.toFixed(1)} | ${r.head.cpuSeconds.toFixed(1)} | ${(r.base.cpuSeconds / r.head.cpuSeconds).toFixed(2)} | ${(r.head.inertia / r.base.inertia).toFixed(6)} | ${r.ari.toFixed(4)} | ${r.base.acc.toFixed(3)} / ${r.head.acc.toFixed(3)} | ${r.base.load.toFixed(1)} / ${r.head.load.toFixed(1)} |`,
    ),
    '',
    `Mean wall ratio ${mean(rows.map((r) => r.base.seconds / r.head.seconds)).toFixed(2)}, mean CPU ratio ${mean(rows.map((r) => r.base.cpuSeconds / r.head.cpuSeconds)).toFixed(2)} (base / this: above 1 is faster).`,
  ].join('\n');
  writeFileSync(`${RESULTS}.md`, md + '\n');
}

const fmt = (s: Side) =>
  `${s.seconds.toFixed(1)} s wall, ${s.cpuSeconds.toFixed(1)} CPU s, inertia ${s.inertia.toFixed(2)}, ${s.iters} iters, ACC ${s.acc.toFixed(3)}`;
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
try {
  let flip = false;
  for (const noise of args.noise!.split(',').map(Number)) {
    for (const seed of args.seeds!.split(',').map(Number)) {
      const order = flip ? (['head', 'base'] as const) : (['base', 'head'] as const);
      flip = !flip;
      const got: Partial<Record<'base' | 'head', { side: Side; cluster: Int32Array }>> = {};
      for (const which of order) got[which] = side(which === 'base' ? baseRoot : here, noise, seed);
      const row: Row = {
        noise,
        seed,
        base: got.base!.side,
        head: got.head!.side,
        ari: ari(got.base!.cluster, got.head!.cluster),
      };
      rows.push(row);
      save();
      console.log(
        `noise ${noise} seed ${seed}: base ${fmt(row.base)}; this ${fmt(row.head)}; wall ratio ${(row.base.seconds / row.head.seconds).toFixed(2)}, CPU ratio ${(row.base.cpuSeconds / row.head.cpuSeconds).toFixed(2)}, inertia ratio ${(row.head.inertia / row.base.inertia).toFixed(6)}, ARI ${row.ari.toFixed(4)}`,
      );
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
console.log(`wrote ${RESULTS}.json and .md`);
