// node --import tsx bench/_headProfile.ts [method] [n] [dims] [epochs]  (default scanhead 10000 384 3)
//
// One embedding method on seeded Gaussian-mixture embeddings (10 classes, noise 4) for a few
// epochs (scanhead: the last one self-labels), through the run loop's calls: wall and CPU seconds
// (all threads), mining apart, and what it learned (ACC, each epoch's loss, kept head, evaluation
// score), to compare two versions of a method side by side (their figures must match) and to
// profile one (`--cpu-prof`). Prints one line; writes nothing.
import { initBackend } from '../src/trainer/backend/index.js';
import { gaussianMixture, runOnEmbeddings } from '../test/trainer/embeddingRun.js';

const [method = 'scanhead', n = '10000', d = '384', epochs = '3'] = process.argv.slice(2);
await initBackend('wasm');
const { embeddings, labels } = gaussianMixture(Number(n), Number(d), 10, 4, 1);
const cpu0 = process.cpuUsage();
const r = await runOnEmbeddings(method as 'scanhead', embeddings, labels, 10, {
  epochs: Number(epochs),
  ...(method === 'scanhead' ? { params: { selflabelEpochs: 1 } } : {}),
});
const cpu = process.cpuUsage(cpu0);
const mining = Number(r.rows[0]?.extra?.miningSeconds ?? 0);
console.log(
  `${method} ${n} x ${d}, ${epochs} epochs: ${r.seconds.toFixed(1)} s (mining ${mining.toFixed(1)}), ${((cpu.user + cpu.system) / 1e6).toFixed(1)} CPU s, ACC ${r.scores.acc.toFixed(4)}, epochs ${JSON.stringify(r.rows.map((x) => [x.loss, x.extra?.keptHead, x.extra?.evalLoss]))}`,
);
