// The map's layout time and kNN preservation at 10,000 and 70,000 points, on Fashion-MNIST's pixels
// (784 grey levels per image, L2-normalised: real data with real cluster structure, ready in a
// second, where a trained run's features would take an hour of training first). 10k = the test
// set, 70k = train + test. Also times umap-js's own kNN (NN-descent) against ours, the reason
// computeLayout hands umap-js precomputed neighbours, and umap-js's own epoch loop (step()) against
// ours (umapOptimize.ts), the reason computeLayout runs its own. Prints wall and CPU seconds: on a shared
// machine the wall time includes the wait for a core. `npm run bench -- map` (bench/map.ts) calls
// measureLayout(); run directly: node --import tsx bench/_mapLayout.ts [--sizes 10000,70000] [--no-compare|--compare-all] [--compare-epochs-all]
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { initBackend } from '../src/trainer/backend/index.js';
import { loadFashionMnist } from '../src/trainer/data/fashion.js';
import { computeLayout } from '../src/trainer/layout/umap.js';

/** Targets from the issue, seconds on 2 cores. */
const TARGETS: Record<number, number> = { 10000: 30, 70000: 240 };

/** Fashion-MNIST's first `n` images (test set first), each a unit vector of its 784 pixels. */
async function fashionPixels(n: number): Promise<{ features: Float32Array; dims: number }> {
  const test = await loadFashionMnist('test');
  const parts = n <= test.n ? [test] : [test, await loadFashionMnist('train')];
  const dims = test.rows * test.cols;
  const features = new Float32Array(n * dims);
  let row = 0;
  for (const p of parts) {
    for (let i = 0; i < p.n && row < n; i++, row++) {
      let norm = 0;
      for (let j = 0; j < dims; j++) norm += p.images[i * dims + j]! ** 2;
      const scale = 1 / (Math.sqrt(norm) || 1);
      for (let j = 0; j < dims; j++) features[row * dims + j] = p.images[i * dims + j]! * scale;
    }
  }
  if (row < n) throw new Error(`Fashion-MNIST has ${row} images, fewer than ${n}`);
  return { features, dims };
}

const label = (n: number) => `${n >= 1000 ? `${n / 1000}k` : n}`;

/**
 * compareKnn: at which sizes to also lay out with umap-js's own kNN; compareEpochs: with umap-js's
 * own epoch loop (each: default up to 10k; 'all' also at 70k, which adds minutes).
 */
export async function measureLayout(
  opts: {
    sizes?: number[];
    compareKnn?: boolean | 'all';
    compareEpochs?: boolean | 'all';
    log?: (line: string) => void;
  } = {},
): Promise<Record<string, number>> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const backend = await initBackend('wasm');
  log(
    `map layout on ${backend.name}, ${backend.threads} threads; features: Fashion-MNIST pixels (784-d, L2-normalised)`,
  );
  const out: Record<string, number> = {};
  for (const n of opts.sizes ?? [10_000, 70_000]) {
    const { features, dims } = await fashionPixels(n);
    const cpu0 = process.cpuUsage();
    const r = await computeLayout(features, n, dims, { seed: 42 });
    const cpu = process.cpuUsage(cpu0);
    const name = `layout${label(n)}`;
    out[`${name}Seconds`] = r.seconds;
    // On a shared machine wall time includes waiting for a core; CPU time (all threads) does not.
    out[`${name}CpuSeconds`] = (cpu.user + cpu.system) / 1e6;
    out[`${name}KnnPreservation`] = r.knnPreservation;
    const cap = (p: string) => `${p[0]!.toUpperCase()}${p.slice(1)}`;
    for (const [phase, s] of Object.entries(r.phases)) out[`${name}${cap(phase)}Seconds`] = s;
    for (const [phase, s] of Object.entries(r.cpuPhases)) out[`${name}${cap(phase)}CpuSeconds`] = s;
    const target = TARGETS[n];
    const phases = Object.entries(r.cpuPhases)
      .map(([k, s]) => `${k} ${s.toFixed(1)}`)
      .join(', ');
    const cpuTotal = out[`${name}CpuSeconds`]!;
    log(
      `${label(n)} points: ${r.seconds.toFixed(1)} s wall, ${cpuTotal.toFixed(1)} s CPU (CPU by phase: ${phases})${target ? `; target < ${target} s: wall ${r.seconds < target ? 'met' : 'missed'}, CPU ${cpuTotal < target ? 'met' : 'missed'}` : ''}; kNN preservation ${r.knnPreservation.toFixed(3)}`,
    );
    if (opts.compareKnn === 'all' || (opts.compareKnn !== false && n <= 10_000)) {
      const theirs = await computeLayout(features, n, dims, { seed: 42, knn: 'umap-js' });
      // umap-js makes its kNN inside initializeFit, before the same graph work ours does there.
      const theirKnn = theirs.cpuPhases.init - r.cpuPhases.init;
      out[`umapjsKnn${label(n)}CpuSeconds`] = theirKnn;
      out[`ourKnn${label(n)}CpuSeconds`] = r.cpuPhases.knn;
      out[`umapjsLayout${label(n)}KnnPreservation`] = theirs.knnPreservation;
      log(
        `${label(n)} kNN, CPU seconds: ours ${r.cpuPhases.knn.toFixed(1)}, umap-js NN-descent ~${theirKnn.toFixed(1)} (its init ${theirs.cpuPhases.init.toFixed(1)} less ours ${r.cpuPhases.init.toFixed(1)}); its layout's kNN preservation ${theirs.knnPreservation.toFixed(3)}`,
      );
    }
    if (opts.compareEpochs === 'all' || (opts.compareEpochs !== false && n <= 10_000)) {
      const theirs = await computeLayout(features, n, dims, { seed: 42, optimiser: 'umap-js' });
      out[`umapjsEpochs${label(n)}CpuSeconds`] = theirs.cpuPhases.umap;
      out[`ourEpochs${label(n)}CpuSeconds`] = r.cpuPhases.umap;
      out[`umapjsEpochsLayout${label(n)}KnnPreservation`] = theirs.knnPreservation;
      log(
        `${label(n)} UMAP epochs, CPU seconds: ours ${r.cpuPhases.umap.toFixed(1)}, umap-js step() ${theirs.cpuPhases.umap.toFixed(1)}; kNN preservation: ours ${r.knnPreservation.toFixed(3)}, umap-js's loop ${theirs.knnPreservation.toFixed(3)}`,
      );
    }
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1]!).href) {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string' },
      'no-compare': { type: 'boolean' },
      'compare-all': { type: 'boolean' },
      'compare-epochs-all': { type: 'boolean' },
    },
  });
  const sizes = values.sizes?.split(',').map(Number);
  const compareEpochs = values['compare-all'] || values['compare-epochs-all'] ? 'all' : !values['no-compare'];
  console.log(
    JSON.stringify(
      await measureLayout({
        sizes,
        compareKnn: values['compare-all'] ? 'all' : !values['no-compare'],
        compareEpochs,
      }),
      null,
      2,
    ),
  );
}
