/**
 * Two more runs beside the fixture run (test/webview/fixtureRun.ts), for the Compare Runs page:
 * the same CC settings with another seed (its clusters stray differently), and an over-clustered
 * K = 12 run. Both carry this round's label-free scores and merge candidates, as the trainer
 * writes them.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabelFree, RunJson, SummaryJson } from '../../src/protocol/run.js';
import type { FixtureRun } from './fixtureRun.js';

export interface CompareRuns {
  seed7: string;
  k12: string;
}

export function makeCompareRuns(fx: FixtureRun): CompareRuns {
  const run = JSON.parse(readFileSync(join(fx.runDir, 'run.json'), 'utf8')) as RunJson;
  const byClass = (path: string) => fx.classes.indexOf(path.split('/')[1]!);
  // An image's place within its class (the fixture lists each class's images together).
  const seen = new Map<number, number>();
  const rank = new Map(
    fx.paths.map((p) => {
      const r = seen.get(byClass(p)) ?? 0;
      seen.set(byClass(p), r + 1);
      return [p, r];
    }),
  );
  // Seed 7: each class's first image strays two clusters on; K = 12: each class's last image goes to 10 or 11.
  const seed7 = writeCompareRun(
    fx,
    run,
    'cc-seed7',
    { seed: 7 },
    (p) => (rank.get(p) === 0 ? (byClass(p) + 2) % 10 : byClass(p)),
    0.22,
    [{ a: 2, b: 3, score: 0.31, count: 4 }],
  );
  const k12 = writeCompareRun(
    fx,
    run,
    'cc-k12',
    { clusters: 12 },
    (p) => (rank.get(p) === 3 ? 10 + (byClass(p) % 2) : byClass(p)),
    0.12,
    [
      { a: 0, b: 10, score: 0.62, count: 9 },
      { a: 1, b: 11, score: 0.48, count: 7 },
    ],
  );
  return { seed7, k12 };
}

export function writeCompareRun(
  fx: FixtureRun,
  base: RunJson,
  id: string,
  over: Partial<RunJson['config']>,
  cluster: (path: string) => number,
  silhouette: number,
  mergeCandidates: SummaryJson['mergeCandidates'],
): string {
  const dir = join(fx.runsDir, id);
  mkdirSync(dir, { recursive: true });
  const config = { ...base.config, ...over };
  writeFileSync(
    join(dir, 'run.json'),
    JSON.stringify({ ...base, id, config, startedAt: `2026-11-20T1${id.length % 10}:00:00.000Z` }, null, 2),
  );
  const rows = fx.paths.map((p) => `${p},${cluster(p)},0.800000,${p.split('/')[1]}`);
  writeFileSync(join(dir, 'assignments.csv'), ['path,cluster,confidence,label', ...rows].join('\n') + '\n');
  const labelFree: LabelFree = {
    confidence: 0.8,
    clusterConfidence: Array.from({ length: config.clusters }, () => 0.8),
    balance: 0.9,
    knnConsistency: 0.6 + silhouette,
    silhouette,
    silhouetteSample: fx.paths.length,
  };
  const metrics = Array.from({ length: 5 }, (_, e) => ({
    epoch: e + 1,
    phase: 'train',
    loss: 7 - e * 0.5 + silhouette,
    terms: {},
    imgPerSec: 90 + e,
    seconds: 10,
    acc: 0.35 + e * 0.08,
    nmi: 0.3 + e * 0.08,
    ari: 0.2 + e * 0.08,
    confidence: 0.5 + e * 0.06,
    balance: 0.9,
    knnConsistency: 0.4 + e * 0.05,
    silhouette: (silhouette * (e + 1)) / 5,
  }));
  writeFileSync(join(dir, 'metrics.jsonl'), metrics.map((m) => JSON.stringify(m)).join('\n') + '\n');
  const summary: SummaryJson = {
    acc: 0.7,
    nmi: 0.65,
    ari: 0.5,
    k: config.clusters,
    n: fx.paths.length,
    epochs: 5,
    seconds: 50,
    backend: 'cpu',
    sizes: [],
    skipped: [],
    labelFree,
    mergeCandidates,
  };
  writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary));
  return dir;
}
