// The finished run the page benches (gallery, map) read: sample/fashion's images plus synthetic
// rows up to N, as the trainer would write it.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RunJson } from '../src/protocol/run.js';

/** Writes <ws>/runs/bench and returns the runs folder. */
export function makeSyntheticRun(ws: string, N: number): string {
  const root = resolve('sample/fashion');
  const real: { path: string; cls: string }[] = [];
  for (const sup of readdirSync(root).filter((f) => !f.includes('.')).sort()) {
    for (const cls of readdirSync(join(root, sup)).sort()) for (const f of readdirSync(join(root, sup, cls))) real.push({ path: `${sup}/${cls}/${f}`, cls });
  }
  const classes = [...new Set(real.map((r) => r.cls))].sort();
  const lines = ['path,cluster,confidence,label'];
  for (let i = 0; i < N; i++) {
    const r = real[i];
    const cls = r ? r.cls : classes[i % classes.length]!;
    // Real images rank first in their cluster (higher confidence), so the first screen has pictures.
    const confidence = r ? 0.9 + (i % 97) / 1000 : 0.2 + ((i * 7919) % 700) / 1000;
    lines.push(`${r ? r.path : `synthetic/${cls}/${i}.png`},${classes.indexOf(cls)},${confidence.toFixed(6)},${cls}`);
  }
  const dir = join(ws, 'runs', 'bench');
  mkdirSync(dir, { recursive: true });
  const run: RunJson = {
    format: 'clusterlab-run', version: 1, id: 'bench', method: 'cc',
    config: { method: 'cc', data: root, clusters: classes.length, epochs: 1, imageSize: 28, channels: 1, backbone: 'small', batchSize: 256, seed: 42, backend: 'cpu', learningRate: 3e-4, evalEvery: 1, params: {} },
    dataset: { root, images: N, classes, superClasses: [] },
    backend: { name: 'cpu', threads: 1, skipped: [] },
    status: 'done', startedAt: new Date().toISOString(), epoch: 1,
  };
  writeFileSync(join(dir, 'run.json'), JSON.stringify(run));
  writeFileSync(join(dir, 'assignments.csv'), lines.join('\n') + '\n');
  return join(ws, 'runs');
}
