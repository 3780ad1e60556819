// One side of `npm run bench -- kmeans-compare` (args: ROOT N DIMS K SEED OUT NOISE): the kmeans
// method of the source tree ROOT (this checkout, or the base revision's) on the seeded
// Gaussian-mixture embeddings, timed; prints one JSON line and writes every image's cluster to OUT
// (Int32, little-endian) for the ARI between the sides.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [root, n, dims, k, seed, out, noise] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
  string,
];
const from = (path: string) => import(pathToFileURL(join(root, path)).href);
const { initBackend } = await from('src/trainer/backend/index.ts');
const { gaussianMixture, runOnEmbeddings } = await from('test/trainer/embeddingRun.ts');
await initBackend('wasm');
const { embeddings, labels } = gaussianMixture(
  Number(n),
  Number(dims),
  Number(k),
  Number(noise),
  Number(seed),
);
const cpu0 = process.cpuUsage();
const r = await runOnEmbeddings('kmeans', embeddings, labels, Number(k), { seed: Number(seed) });
const cpu = process.cpuUsage(cpu0);
writeFileSync(out, new Uint8Array((r.cluster as Int32Array).buffer));
console.log(
  JSON.stringify({
    seconds: r.seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    inertia: r.rows.at(-1).terms.inertia * Number(n),
    acc: r.scores.acc,
    iters: r.rows.at(-1).extra?.iters,
  }),
);
