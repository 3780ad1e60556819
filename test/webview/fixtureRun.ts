/**
 * A small finished run made in a temporary workspace for the webview tests: 40 images copied from
 * the Fashion-MNIST sample (4 per class, as <super>/<class>/<n>.png) and run files in the format
 * the trainer writes, with clusters that mostly follow the classes and a few mistakes, so the
 * heatmap has a diagonal and off-diagonal cells.
 */
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeRunFeatures } from '../../src/common/features.js';
import { writeLayout } from '../../src/common/layout.js';
import type { RunJson } from '../../src/protocol/run.js';
import { defaultConfig } from '../../src/trainer/run/config.js';

const SAMPLE = 'sample/fashion';

export interface FixtureRun {
  workspace: string;
  dataRoot: string;
  runDir: string;
  runsDir: string;
  classes: string[];
  /** The dataset paths in assignments.csv order. */
  paths: string[];
}

export function makeFixtureRun(workspace: string, perClass = 4): FixtureRun {
  const dataRoot = join(workspace, 'data');
  const runsDir = join(workspace, '.clusterlab', 'runs');
  const runDir = join(runsDir, 'cc-fixture');
  mkdirSync(runDir, { recursive: true });
  const pairs: [string, string][] = [];
  for (const sup of readdirSync(SAMPLE)
    .filter((f) => !f.includes('.'))
    .sort()) {
    for (const cls of readdirSync(join(SAMPLE, sup)).sort()) pairs.push([sup, cls]);
  }
  const classes = pairs.map(([, c]) => c).sort();
  const superClasses = [...new Set(pairs.map(([s]) => s))].sort();
  const superOfClass = classes.map((c) => superClasses.indexOf(pairs.find(([, x]) => x === c)![0]));
  const rows: string[] = ['path,cluster,confidence,label'];
  const paths: string[] = [];
  let n = 0;
  for (const [sup, cls] of pairs) {
    const files = readdirSync(join(SAMPLE, sup, cls))
      .sort()
      .slice(0, perClass);
    mkdirSync(join(dataRoot, sup, cls), { recursive: true });
    files.forEach((f, j) => {
      copyFileSync(join(SAMPLE, sup, cls, f), join(dataRoot, sup, cls, f));
      const path = `${sup}/${cls}/${f}`;
      const c = classes.indexOf(cls);
      // Every fourth image lands in the next cluster: an off-diagonal cell per class.
      const cluster = j === perClass - 1 ? (c + 1) % classes.length : c;
      const confidence = j === perClass - 1 ? 0.35 + 0.01 * c : 0.9 - 0.05 * j;
      rows.push(`${path},${cluster},${confidence.toFixed(6)},${cls}`);
      paths.push(path);
      n++;
    });
  }
  const run: RunJson = {
    format: 'clusterlab-run',
    version: 1,
    id: 'cc-fixture',
    method: 'cc',
    config: {
      ...defaultConfig('cc', dataRoot),
      clusters: classes.length,
      epochs: 5,
      imageSize: 28,
      channels: 1,
      batchSize: 32,
      backend: 'cpu',
      learningRate: 3e-4,
    },
    dataset: { root: dataRoot, images: n, classes, superClasses, superOfClass },
    backend: { name: 'cpu', threads: 1, skipped: [] },
    status: 'done',
    startedAt: '2026-11-20T10:00:00.000Z',
    endedAt: '2026-11-20T10:01:00.000Z',
    epoch: 5,
  };
  writeFileSync(join(runDir, 'run.json'), JSON.stringify(run, null, 2));
  writeFileSync(join(runDir, 'assignments.csv'), rows.join('\n') + '\n');
  const metrics = Array.from({ length: 5 }, (_, e) => ({
    epoch: e + 1,
    phase: e < 2 ? 'warmup' : 'train',
    loss: 8 - e * 0.6,
    terms: { instance: 5 - e * 0.4, cluster: 3 - e * 0.2 },
    imgPerSec: 100 + e,
    seconds: 12,
    acc: 0.3 + e * 0.1,
    nmi: 0.2 + e * 0.1,
    ari: 0.1 + e * 0.1,
    nmiPrevious: e === 0 ? undefined : 0.5 + e * 0.1,
  }));
  writeFileSync(join(runDir, 'metrics.jsonl'), metrics.map((m) => JSON.stringify(m)).join('\n') + '\n');
  writeFileSync(
    join(runDir, 'summary.json'),
    JSON.stringify({
      acc: 0.75,
      nmi: 0.7,
      ari: 0.6,
      k: classes.length,
      n,
      epochs: 5,
      seconds: 60,
      backend: 'cpu',
      sizes: [],
      skipped: [],
    }),
  );
  return { workspace, dataRoot, runDir, runsDir, classes, paths };
}

/**
 * The fixture's 2-D map as the trainer would write it: each class a small blob on a circle (as
 * features would place them, whatever cluster an image landed in), its images in a short row.
 */
export async function writeFixtureLayout(fx: FixtureRun): Promise<Float32Array> {
  const xy = new Float32Array(fx.paths.length * 2);
  fx.paths.forEach((p, i) => {
    const c = fx.classes.indexOf(p.split('/')[1]!);
    const j = fx.paths.slice(0, i).filter((q) => q.split('/')[1] === p.split('/')[1]).length;
    const a = (2 * Math.PI * c) / fx.classes.length;
    xy[2 * i] = 10 * Math.cos(a) + 0.6 * j;
    xy[2 * i + 1] = 10 * Math.sin(a) + 0.3 * (j % 2);
  });
  await writeLayout(
    fx.runDir,
    { rows: fx.paths.length, method: 'fixture circle', epoch: 5, knnPreservation: 0.8, seconds: 0 },
    xy,
  );
  return xy;
}

/**
 * Per-image features as a trained backbone gives them: one direction per class, each image a
 * little off it. `classOf(i)` is the class whose direction image i gets (by default its own: plant
 * a misfit by giving it another's).
 */
export async function writeClassFeatures(
  fx: FixtureRun,
  classOf: (i: number) => number = (i) => fx.classes.indexOf(fx.paths[i]!.split('/')[1]!),
): Promise<void> {
  const dims = 16;
  const features = new Float32Array(fx.paths.length * dims);
  fx.paths.forEach((_, i) => {
    const c = classOf(i);
    for (let j = 0; j < dims; j++)
      features[i * dims + j] = (j === c ? 1 : 0) + 0.05 * Math.sin(7 * i + 3 * j);
    const norm = Math.hypot(...features.subarray(i * dims, (i + 1) * dims));
    for (let j = 0; j < dims; j++) features[i * dims + j]! /= norm;
  });
  await writeRunFeatures(
    fx.runDir,
    { rows: fx.paths.length, dims, clusters: fx.classes.length, epoch: 5 },
    features,
    new Float32Array(fx.paths.length * fx.classes.length).fill(1 / fx.classes.length),
  );
}
