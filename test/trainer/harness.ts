import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAssignments } from '../../src/common/runFiles.js';
import { initBackend } from '../../src/trainer/backend/index.js';
import { Assigner } from '../../src/trainer/run/assign.js';

/** The real `clusterlab` command in a child process, on real PNGs from the embedded sample. */
const BIN = join(process.cwd(), 'bin', 'clusterlab.mjs');

export interface CliResult {
  /** Exit code, or -1 when a signal ended the process. */
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Flags for node itself, before the script (e.g. --import of a test hook). */
  nodeArgs?: string[];
  env?: Record<string, string>;
  /** Run as this user and group (a root test run drops to nobody so file permissions apply). */
  uid?: number;
  gid?: number;
}

export interface CliProcess {
  child: ChildProcess;
  done: Promise<CliResult>;
  /** Resolves once stderr has printed a match of `re` (rejects if the process ends first). */
  waitForStderr(re: RegExp): Promise<void>;
}

/** Starts `clusterlab ARGS` as a child process; the caller may kill it or wait for it. */
export function startCli(args: string[], opts: CliOptions = {}): CliProcess {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), BIN, ...args], {
    env: { ...process.env, CLUSTERLAB_DEBUG: '', ...opts.env },
    uid: opts.uid,
    gid: opts.gid,
  });
  let stdout = '';
  let stderr = '';
  const watchers: { re: RegExp; resolve: () => void }[] = [];
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => {
    stderr += d;
    for (const w of watchers.splice(0)) {
      if (w.re.test(stderr)) w.resolve();
      else watchers.push(w);
    }
  });
  const done = new Promise<CliResult>((resolve) =>
    child.on('close', (code, signal) => resolve({ code: code ?? -1, signal, stdout, stderr })),
  );
  const waitForStderr = (re: RegExp) =>
    new Promise<void>((resolve, reject) => {
      if (re.test(stderr)) return resolve();
      watchers.push({ re, resolve });
      void done.then((r) =>
        reject(new Error(`clusterlab ended (${r.signal ?? r.code}) before printing ${re}: ${r.stderr}`)),
      );
    });
  return { child, done, waitForStderr };
}

export interface Harness {
  tmp: string;
  data: string;
  cache: string;
  run(args: string[], opts?: CliOptions): Promise<CliResult>;
}

/** A temp folder with `perClass` images of each sample class in <super>/<class>/, plus a broken file. */
export function makeHarness(perClass: number): Harness {
  const tmp = mkdtempSync(join(tmpdir(), 'clusterlab-cli-'));
  const data = join(tmp, 'data');
  const sample = join(process.cwd(), 'sample', 'fashion');
  for (const sup of readdirSync(sample, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    for (const cls of readdirSync(join(sample, sup.name), { withFileTypes: true }).filter((d) =>
      d.isDirectory(),
    )) {
      const files = readdirSync(join(sample, sup.name, cls.name))
        .filter((f) => f.endsWith('.png'))
        .sort()
        .slice(0, perClass);
      for (const f of files) cpSync(join(sample, sup.name, cls.name, f), join(data, sup.name, cls.name, f));
    }
  }
  writeFileSync(join(data, 'bags', 'bag', 'broken.png'), 'this is not a png');
  const run = (args: string[], opts?: CliOptions) => startCli(args, opts).done;
  return { tmp, data, cache: join(tmp, 'cache'), run };
}

/** metrics.jsonl of a run folder as objects. */
export function readMetricsRows(dir: string): Record<string, any>[] {
  return readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

/**
 * The trained model of run `out`, loaded from its checkpoint, puts every training image (under
 * `data`) where training did; `cacheDir`: the embedding cache of a feature-model run's images.
 */
export async function assignsLikeTrainingOf(out: string, data: string, cacheDir?: string): Promise<void> {
  const assigner = new Assigner(async (b) => void (await initBackend(b)), cacheDir);
  try {
    const rows = parseAssignments(readFileSync(join(out, 'assignments.csv'), 'utf8'));
    const r = await assigner.assign(
      out,
      rows.map((row) => join(data, row.path)),
    );
    assert.deepEqual(r.skipped, []);
    assert.deepEqual(
      r.assignments.map((a) => a.cluster),
      rows.map((row) => row.cluster),
    );
    r.assignments.forEach((a, i) =>
      assert.ok(
        Math.abs(a.confidence - rows[i]!.confidence) < 1e-4,
        `${rows[i]!.path}: ${a.confidence} vs ${rows[i]!.confidence}`,
      ),
    );
  } finally {
    assigner.release();
  }
}
