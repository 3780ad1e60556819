// npm run bench -- ingest [--n 10000] [--size 28] [--channels 1] [--no-70k] [--fixtures DIR]
//
// Image-folder ingest: cold (empty pixel cache: scan + decode + cache write) in images/s, and warm
// (cache hit: scan/stat + cache read) in ms, on Fashion-MNIST written out as 28x28 grey PNGs, first N
// images, then all 70,000. Fixture folders are written once under the OS temp dir and reused.
// "Cold" means the pixel cache is empty; the OS page cache holds the PNGs (we do not drop it).
// Targets: cold >= 2,000 img/s on 28x28 PNGs; warm load of 70,000 images < 2 s.
// Writes bench/results/ingest.json.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { loadDataset, type Dataset } from '../src/trainer/data/dataset.js';
import { scanFolder } from '../src/trainer/data/scan.js';
import { fashionFixture } from './_fashionFixture.js';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '10000' },
    size: { type: 'string', default: '28' },
    channels: { type: 'string', default: '1' },
    'no-70k': { type: 'boolean', default: false },
    fixtures: { type: 'string', default: join(tmpdir(), 'clusterlab-bench-ingest') },
  },
});
const N = Number(args.n);
const SIZE = Number(args.size);
const CHANNELS = Number(args.channels) === 3 ? 3 : 1;
const COLD_TARGET = 2000;
const WARM_70K_TARGET_MS = 2000;

async function timed(dir: string, cacheDir: string): Promise<{ ms: number; ds: Dataset }> {
  const t = performance.now();
  const ds = await loadDataset(dir, { imageSize: SIZE, channels: CHANNELS, cacheDir });
  return { ms: performance.now() - t, ds };
}

interface Run {
  images: number;
  coldMs: number;
  coldImgPerSec: number;
  warmMs: number[];
  scanMs: number;
  cacheBytes: number;
}

async function measure(n: number): Promise<Run> {
  const dir = await fashionFixture(args.fixtures!, n);
  const cacheDir = await mkdtemp(join(tmpdir(), 'clusterlab-bench-cache-'));
  try {
    const cold = await timed(dir, cacheDir);
    if (cold.ds.n !== n || cold.ds.ingest?.decoded !== n)
      throw new Error(`cold load decoded ${cold.ds.ingest?.decoded} of ${n}`);
    const warmMs: number[] = [];
    for (let r = 0; r < 3; r++) {
      const w = await timed(dir, cacheDir);
      if (w.ds.ingest?.decoded !== 0 || w.ds.n !== n) throw new Error('warm load decoded images');
      warmMs.push(w.ms);
    }
    const t = performance.now();
    await scanFolder(dir);
    const scanMs = performance.now() - t;
    const run: Run = {
      images: n,
      coldMs: cold.ms,
      coldImgPerSec: n / (cold.ms / 1000),
      warmMs,
      scanMs,
      cacheBytes: cold.ds.pixels.length,
    };
    console.log(
      `${String(n).padStart(6)} images ${SIZE}x${SIZE}x${CHANNELS}: cold ${(cold.ms / 1000).toFixed(2)} s = ${Math.round(run.coldImgPerSec)} img/s;` +
        ` warm ${warmMs.map((m) => m.toFixed(0)).join(' / ')} ms (scan alone ${scanMs.toFixed(0)} ms)`,
    );
    return run;
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }
}

console.log(
  `ingest benchmark: ${availableParallelism()} cores (${cpus()[0]?.model}), sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}`,
);
const main = await measure(N);
const big = args['no-70k'] ? undefined : await measure(70000);

const coldOk = main.coldImgPerSec >= COLD_TARGET;
const warmOk = big ? Math.min(...big.warmMs) < WARM_70K_TARGET_MS : undefined;
console.log(`target cold >= ${COLD_TARGET} img/s: ${coldOk ? 'met' : 'MISSED'}`);
if (big) console.log(`target warm 70k < ${WARM_70K_TARGET_MS} ms: ${warmOk ? 'met' : 'MISSED'}`);

const out = {
  date: new Date().toISOString(),
  machine: {
    cores: availableParallelism(),
    cpu: cpus()[0]?.model,
    node: process.version,
    sharp: sharp.versions.sharp,
    vips: sharp.versions.vips,
  },
  imageSize: SIZE,
  channels: CHANNELS,
  runs: big ? [main, big] : [main],
  targets: { coldImgPerSec: COLD_TARGET, warm70kMs: WARM_70K_TARGET_MS, coldMet: coldOk, warm70kMet: warmOk },
};
await mkdir('bench/results', { recursive: true });
await writeFile('bench/results/ingest.json', JSON.stringify(out, null, 2) + '\n');
console.log('wrote bench/results/ingest.json');
