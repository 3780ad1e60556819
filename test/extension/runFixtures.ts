import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { LOCK_FILE } from '../../src/common/runLock.js';
import type { LabelsJson } from '../../src/protocol/labels.js';
import type { RunJson, RunStatus } from '../../src/protocol/run.js';
import { defaultConfig } from '../../src/trainer/run/config.js';

export interface FixtureRun {
  status: RunStatus;
  startedAt: string;
  epoch?: number;
  acc?: number;
  /** [path, cluster, confidence, label] rows of assignments.csv. */
  rows?: [string, number, number, string][];
  labels?: Partial<LabelsJson>;
  /** The trainer a running run's lock names; default: this process, a live trainer. */
  lock?: { pid: number; host: string } | 'none';
  /** run.json's error and skipped files (a failed run). */
  error?: string;
  skipped?: { path: string; reason: string }[];
}

/** A run.json the trainer could have written: a CC run of 4 epochs on /data/fashion. */
export function runJsonOf(id: string, status: RunStatus): RunJson {
  return {
    format: 'clusterlab-run',
    version: 1,
    id,
    method: 'cc',
    config: {
      ...defaultConfig('cc', '/data/fashion'),
      clusters: 3,
      epochs: 4,
      imageSize: 16,
      channels: 1,
      batchSize: 16,
      backend: 'wasm',
      learningRate: 3e-4,
    },
    dataset: { root: '/data/fashion', images: 6, classes: ['bag', 'coat'], superClasses: [] },
    backend: { name: 'wasm', threads: 2, skipped: [] },
    status,
    startedAt: '2026-01-01T00:00:00Z',
    epoch: 4,
  };
}

/** A run folder as the trainer leaves it, written by hand: run.json (and the lock of a running one), and summary/assignments/labels when given. */
export function writeRun(runsDir: string, id: string, f: FixtureRun): string {
  const dir = join(runsDir, id);
  mkdirSync(join(dir, 'checkpoint'), { recursive: true });
  const run: RunJson = {
    ...runJsonOf(id, f.status),
    dataset: {
      root: '/data/fashion',
      images: f.rows?.length ?? 6,
      classes: ['bag', 'coat'],
      superClasses: [],
    },
    startedAt: f.startedAt,
    epoch: f.epoch ?? 4,
    ...(f.error ? { error: f.error } : {}),
    ...(f.skipped ? { skipped: f.skipped } : {}),
  };
  writeFileSync(join(dir, 'run.json'), JSON.stringify(run));
  if (f.status === 'running' && f.lock !== 'none') {
    writeFileSync(
      join(dir, LOCK_FILE),
      JSON.stringify({ ...(f.lock ?? { pid: process.pid, host: hostname() }), since: f.startedAt }),
    );
  }
  if (f.rows) {
    writeFileSync(
      join(dir, 'assignments.csv'),
      ['path,cluster,confidence,label', ...f.rows.map((r) => r.join(','))].join('\n') + '\n',
    );
    const sizes = [0, 0, 0];
    for (const r of f.rows) sizes[r[1]]!++;
    writeFileSync(
      join(dir, 'summary.json'),
      JSON.stringify({
        ...(f.acc !== undefined ? { acc: f.acc, nmi: 0.5, ari: 0.4 } : {}),
        k: 3,
        n: f.rows.length,
        epochs: 4,
        seconds: 1,
        backend: 'wasm',
        sizes,
        skipped: [],
      }),
    );
  }
  if (f.labels)
    writeFileSync(
      join(dir, 'labels.json'),
      JSON.stringify({
        format: 'clusterlab-labels',
        version: 1,
        names: {},
        merges: [],
        moves: {},
        ...f.labels,
      }),
    );
  return dir;
}

/** The extension's settings as a test's TrainingRuns reads them: runs kept in `runsFolder`, no memory cap. */
export function testSettings(runsFolder: string) {
  return {
    runsFolder,
    defaultMethod: 'cc' as const,
    backend: 'auto' as const,
    imageSize: 32,
    batchSize: 256,
    memoryCapMB: 0,
    nativeBackendPath: '',
  };
}
