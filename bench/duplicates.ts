// npm run bench -- duplicates [--n 70000] [--threshold 8] [--fixtures DIR]
//
// `clusterlab duplicates` on Fashion-MNIST written out as 28x28 grey PNGs (first n: test split,
// then train): cold (empty hash cache: scan, read, sha256, dHash with sharp, group) and warm (every
// hash from the cache: scan, cache read, group), each timed whole. The PNGs stay in the OS page
// cache (we do not drop it). Goal: 70,000 images hashed and grouped in < 60 s on 2 cores.
// Writes bench/results/duplicates.json and .md.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { findDuplicates, type DuplicatesReport } from '../src/trainer/curate/duplicates.js';
import { hashCacheFile, readHashCache } from '../src/trainer/curate/hashCache.js';
import { groupDuplicates } from '../src/trainer/curate/nearGroups.js';
import { fashionFixture } from './_fashionFixture.js';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '70000' },
    threshold: { type: 'string', default: '8' },
    fixtures: { type: 'string', default: join(tmpdir(), 'clusterlab-bench-ingest') },
  },
});
const N = Number(args.n);
const T = Number(args.threshold);
const GOAL_S = 60;

const dir = await fashionFixture(args.fixtures!, N);
const cacheDir = await mkdtemp(join(tmpdir(), 'clusterlab-bench-hashes-'));
// CPU seconds (user + system, this process) beside wall time: on the shared machine the wall time
// mostly says how loaded it was. Then grouping alone, timed again on the hashes just cached.
const timed = async (): Promise<{ s: number; cpu: number; groupS: number; r: DuplicatesReport }> => {
  const t = performance.now();
  const c = process.cpuUsage();
  const r = await findDuplicates(dir, T, cacheDir);
  const s = (performance.now() - t) / 1000;
  const used = process.cpuUsage(c);
  const cached = await readHashCache(hashCacheFile(cacheDir, r.root), r.root);
  const images = [...cached].map(([path, e]) => ({ path, ...e }));
  const g = performance.now();
  groupDuplicates(images, T);
  return { s, cpu: (used.user + used.system) / 1e6, groupS: (performance.now() - g) / 1000, r };
};
const load = loadavg()[0]!;
const cold = await timed();
const warm = [await timed(), await timed()];
await rm(cacheDir, { recursive: true, force: true });

const exact = cold.r.groups.filter((g) => g.kind === 'exact').length;
const result = {
  images: cold.r.images,
  threshold: T,
  cores: availableParallelism(),
  cpu: cpus()[0]?.model,
  loadAverageAtStart: load,
  loadAverageAtEnd: loadavg()[0]!,
  coldSeconds: cold.s,
  coldCpuSeconds: cold.cpu,
  coldHashed: cold.r.hashed,
  groupingSeconds: [cold, ...warm].map((x) => x.groupS),
  warmSeconds: warm.map((w) => w.s),
  warmCpuSeconds: warm.map((w) => w.cpu),
  warmHashed: warm.map((w) => w.r.hashed),
  groups: cold.r.groups.length,
  exactGroups: exact,
  imagesInGroups: cold.r.groups.reduce((s, g) => s + g.members.length, 0),
  largestGroup: Math.max(0, ...cold.r.groups.map((g) => g.members.length)),
  counts: cold.r.counts,
  goalSeconds: GOAL_S,
  met: cold.s < GOAL_S,
};
console.log(JSON.stringify(result, null, 1));
const md = [
  `# duplicates bench (${new Date().toISOString().slice(0, 10)})`,
  '',
  `${result.images} Fashion-MNIST 28x28 PNGs (test split, then train), threshold ${T} bits, ${result.cores} cores (${result.cpu}), 1-min load average ${load.toFixed(1)} at start and ${result.loadAverageAtEnd.toFixed(1)} at the end (shared machine; the bench niced).`,
  '',
  `| | wall seconds | CPU seconds (user + sys) | grouping alone, wall s | files hashed |`,
  `|---|---|---|---|---|`,
  `| cold (empty hash cache) | ${cold.s.toFixed(1)} | ${cold.cpu.toFixed(1)} | ${cold.groupS.toFixed(1)} | ${cold.r.hashed} |`,
  ...warm.map(
    (w, i) =>
      `| warm ${i + 1} (cache) | ${w.s.toFixed(1)} | ${w.cpu.toFixed(1)} | ${w.groupS.toFixed(1)} | ${w.r.hashed} |`,
  ),
  '',
  `Goal: < ${GOAL_S} s cold (wall): ${result.met ? 'met' : 'NOT met'}.`,
  '',
  `Groups at ${T} bits: ${result.groups} (${exact} exact), ${result.imagesInGroups} images, the largest ${result.largestGroup}; every member within ${T} bits of its group's first. By threshold: ${cold.r.counts.map((c) => `${c.threshold}: ${c.groups} groups / ${c.images} images`).join('; ')}.`,
  '',
].join('\n');
await writeFile('bench/results/duplicates.json', JSON.stringify(result, null, 1) + '\n');
await writeFile('bench/results/duplicates.md', md);
