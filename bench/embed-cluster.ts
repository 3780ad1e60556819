// npm run bench -- embed-cluster [--n 10000,70000] [--dims 384,512] [--methods kmeans,scanhead,temi] [--recall] [--k 10]
//
// Clustering time on cached embeddings: each embedding method with its defaults (epochs, batch,
// heads) on seeded Gaussian-mixture embeddings (--k 10 classes; the times are the point, the ACC
// column only shows the run did its work), through the same enterEpoch / trainEpoch / predict calls as a run, on the wasm backend.
// Seconds are wall time from the embeddings in memory to every image's cluster, neighbour mining
// included (reported apart too). With --recall, the approximate neighbours (usearch HNSW, when the
// package resolves: NODE_PATH may point at a node_modules that has it) against exact search at the
// largest n and dims: recall@20 and both times. The goal: 70,000 images clustered in < 60 s on 2
// cores. Results merge into bench/results/embed-cluster.json (keyed by n, dims, method) and .md.
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { isMethodName, type MethodName } from '../src/common/methods/index.js';
import { initBackend } from '../src/trainer/backend/index.js';
import { knnCosine } from '../src/trainer/cluster/knn.js';
import { approximateKnn, loadUsearch } from '../src/trainer/embeddings/neighbours.js';
import { unitRows } from '../src/trainer/methods/embeddingMethod.js';
import { gaussianMixture, runOnEmbeddings } from '../test/trainer/embeddingRun.js';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '10000,70000' },
    dims: { type: 'string', default: '384,512' },
    methods: { type: 'string', default: 'kmeans,scanhead,temi' },
    k: { type: 'string', default: '10' },
    recall: { type: 'boolean', default: false },
  },
});
const sizes = args.n!.split(',').map(Number);
const dims = args.dims!.split(',').map(Number);
const methods = args.methods!.split(',').filter(Boolean) as MethodName[];
for (const m of methods) if (!isMethodName(m)) throw new Error(`--methods: unknown method ${m}`);
const K = Number(args.k);
const NOISE = 4;
const RESULTS = 'bench/results/embed-cluster';

interface Timing {
  n: number;
  dims: number;
  method: string;
  seconds: number;
  /** CPU seconds of this process (user + system, all threads) over the same span: on a shared machine, what the work cost. */
  cpuSeconds: number;
  miningSeconds?: number;
  epochs: number;
  acc: number;
  load: number;
  at: string;
}
interface RecallRow {
  n: number;
  dims: number;
  neighbours: number;
  exactSeconds: number;
  usearchSeconds: number;
  recall: number;
  /** Absent where the row was recovered from a run's log line. */
  load?: number;
  at: string;
}
const timings: Timing[] = [];
const recall: RecallRow[] = [];

const backend = await initBackend('wasm');
const keep = <T extends { n: number; dims: number }>(rows: T[], row: T, same: (r: T) => boolean) => {
  const i = rows.findIndex(same);
  if (i >= 0) rows[i] = row;
  else rows.push(row);
};

/** Merges this run's rows into the results file as it is now (another run of the bench may have written it since). */
function save(): void {
  mkdirSync('bench/results', { recursive: true });
  const onDisk = existsSync(`${RESULTS}.json`)
    ? (JSON.parse(readFileSync(`${RESULTS}.json`, 'utf8')) as { timings: Timing[]; recall: RecallRow[] })
    : { timings: [], recall: [] };
  for (const t of timings)
    keep(onDisk.timings, t, (o) => o.n === t.n && o.dims === t.dims && o.method === t.method);
  for (const r of recall) keep(onDisk.recall, r, (o) => o.n === r.n && o.dims === r.dims);
  const all = onDisk;
  const machine = {
    cpu: cpus()[0]?.model,
    cores: availableParallelism(),
    threads: backend.threads,
    memGiB: +(totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    tfjs: tf.version_core,
  };
  writeFileSync(`${RESULTS}.json`, JSON.stringify({ machine, ...all }, null, 2) + '\n');
  const md = [
    '| images | dims | method | wall s (all) | of which mining | CPU s | epochs | ACC (synthetic) | load avg |',
    '|---|---|---|---|---|---|---|---|---|',
    ...all.timings.map(
      (t) =>
        `| ${t.n} | ${t.dims} | ${t.method} | ${t.seconds.toFixed(1)} | ${t.miningSeconds?.toFixed(1) ?? ''} | ${t.cpuSeconds?.toFixed(1) ?? ''} | ${t.epochs} | ${t.acc.toFixed(3)} | ${t.load.toFixed(1)} |`,
    ),
    '',
    '| images | dims | K | exact kNN s | usearch s | recall@K | load avg |',
    '|---|---|---|---|---|---|---|',
    ...all.recall.map(
      (r) =>
        `| ${r.n} | ${r.dims} | ${r.neighbours} | ${r.exactSeconds.toFixed(1)} | ${r.usearchSeconds.toFixed(1)} | ${r.recall.toFixed(4)} | ${r.load?.toFixed(1) ?? ''} |`,
    ),
  ].join('\n');
  writeFileSync(`${RESULTS}.md`, md + '\n');
}
for (const n of sizes) {
  for (const d of dims) {
    const { embeddings, labels } = gaussianMixture(n, d, K, NOISE, 1);
    for (const method of methods) {
      const cpu0 = process.cpuUsage();
      const r = await runOnEmbeddings(method, embeddings, labels, K);
      const cpu = process.cpuUsage(cpu0);
      const cpuSeconds = (cpu.user + cpu.system) / 1e6;
      const mining = r.rows.find((row) => row.extra?.miningSeconds !== undefined)?.extra?.miningSeconds;
      const row: Timing = {
        n,
        dims: d,
        method,
        seconds: r.seconds,
        cpuSeconds,
        ...(mining !== undefined ? { miningSeconds: mining } : {}),
        epochs: r.rows.length,
        acc: r.scores.acc,
        load: loadavg()[0]!,
        at: new Date().toISOString(),
      };
      console.log(
        `${n} x ${d} ${method}: ${r.seconds.toFixed(1)} s, ${cpuSeconds.toFixed(1)} CPU s (mining ${mining?.toFixed(1) ?? '-'} s), ${r.rows.length} epochs, ACC ${r.scores.acc.toFixed(3)}, load ${row.load.toFixed(1)}`,
      );
      timings.push(row);
      save();
    }
  }
}

if (args.recall) {
  const usearch = loadUsearch();
  if (!usearch) console.log('recall: usearch does not resolve (set NODE_PATH to a node_modules that has it)');
  else {
    const n = Math.max(...sizes);
    const d = Math.max(...dims);
    const NB = 20;
    const { embeddings } = gaussianMixture(n, d, K, NOISE, 1);
    const unit = unitRows(embeddings.data, n, d);
    let t0 = performance.now();
    const x = tf.tensor2d(unit, [n, d]);
    const exact = (await knnCosine(x, NB)).indices;
    x.dispose();
    const exactSeconds = (performance.now() - t0) / 1000;
    t0 = performance.now();
    const approx = approximateKnn(usearch, unit, n, d, NB);
    const usearchSeconds = (performance.now() - t0) / 1000;
    let hit = 0;
    for (let i = 0; i < n; i++) {
      const truth = new Set(exact.subarray(i * NB, (i + 1) * NB));
      for (let j = 0; j < NB; j++) if (truth.has(approx[i * NB + j]!)) hit++;
    }
    const row: RecallRow = {
      n,
      dims: d,
      neighbours: NB,
      exactSeconds,
      usearchSeconds,
      recall: hit / (n * NB),
      load: loadavg()[0]!,
      at: new Date().toISOString(),
    };
    console.log(
      `recall@${NB} at ${n} x ${d}: ${row.recall.toFixed(4)}; exact ${exactSeconds.toFixed(1)} s, usearch ${usearchSeconds.toFixed(1)} s`,
    );
    recall.push(row);
    save();
  }
}
console.log(`wrote ${RESULTS}.json and .md`);
