// npm run bench -- labelFree [--n 70000] [--dims 256] [--k 10]
//
// What the label-free scores add to an eval epoch at full scale: kNN of the 4,000 sampled images
// among all N (our kernel) and the silhouette among 2,000, on seeded synthetic features (N x 256,
// 10 noisy centres, L2-normalised: the cost depends on the sizes, not the values). Prints wall
// and CPU seconds (on a shared machine the wall time includes the wait for a core) and writes
// bench/results/labelFree.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { initBackend } from '../src/trainer/backend/index.js';
import { KNN_SAMPLE, scoreLabelFree, SILHOUETTE_SAMPLE } from '../src/trainer/run/labelFreeScores.js';
import { Rng } from '../src/trainer/util/rng.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '70000' },
    dims: { type: 'string', default: '256' },
    k: { type: 'string', default: '10' },
  },
});
const n = Number(values.n);
const dims = Number(values.dims);
const k = Number(values.k);
const backend = await initBackend('wasm');
const rng = new Rng(1);
const centres = Array.from({ length: k }, () => Float32Array.from({ length: dims }, () => rng.normal()));
const features = new Float32Array(n * dims);
const cluster = new Int32Array(n);
for (let i = 0; i < n; i++) {
  const c = rng.int(k);
  cluster[i] = c;
  let norm = 0;
  for (let j = 0; j < dims; j++) norm += (features[i * dims + j] = centres[c]![j]! + 2 * rng.normal()) ** 2;
  for (let j = 0; j < dims; j++) features[i * dims + j]! /= Math.sqrt(norm);
}
const confidence = new Float32Array(n).fill(0.9);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const r = await scoreLabelFree(
  { rows: n, dims, clusters: k, features, probs: new Float32Array(0) },
  { cluster, confidence },
  k,
  42,
);
const wall = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const out = {
  n,
  dims,
  k,
  knnSample: KNN_SAMPLE,
  silhouetteSample: SILHOUETTE_SAMPLE,
  seconds: wall,
  cpuSeconds: (cpu.user + cpu.system) / 1e6,
  knnSeconds: r.seconds.knn,
  silhouetteSeconds: r.seconds.silhouette,
  knnConsistency: r.scores.knnConsistency,
  silhouette: r.scores.silhouette,
};
console.log(
  `label-free scores of ${n} x ${dims} on ${backend.name} (${backend.threads} threads): ${wall.toFixed(1)} s wall, ${out.cpuSeconds.toFixed(1)} s CPU; kNN of ${KNN_SAMPLE} among ${n} ${r.seconds.knn.toFixed(1)} s, silhouette of ${SILHOUETTE_SAMPLE} ${r.seconds.silhouette.toFixed(1)} s`,
);
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/labelFree.json', JSON.stringify(out, null, 2) + '\n');
