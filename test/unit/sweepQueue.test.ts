import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { test } from 'node:test';
import { parseExperiment } from '../../src/common/experiment/parse.js';
import {
  listQueues,
  newQueue,
  queuePath,
  readQueue,
  runSweep,
  type SweepDriver,
} from '../../src/common/experiment/queue.js';
import type { RunStatus } from '../../src/protocol/run.js';
import { runJsonOf } from '../extension/runFixtures.js';

const exp = parseExperiment(
  'data: d\ngrid:\n  methods: [cc]\n  seeds: [1, 2, 3, 4]\n',
  '/x/sweep.clusterlab.yaml',
);

function setup() {
  const runsDir = mkdtempSync(join(tmpdir(), 'clusterlab-queue-'));
  const q = newQueue(exp.file, exp.name, runsDir, exp.runs);
  return { runsDir, q, path: queuePath(runsDir, exp.name) };
}

/** A run folder as the trainer leaves it: run.json with a status. */
function runFolder(dir: string, status: RunStatus): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'run.json'), JSON.stringify(runJsonOf(basename(dir), status)));
}

/** Trains by writing run.json; `plan` says how each entry's run ends (done by default). */
function fakeDriver(
  plan: Record<string, RunStatus[]> = {},
  extra: Partial<SweepDriver> = {},
): SweepDriver & { calls: string[] } {
  const calls: string[] = [];
  const end = (entry: string, dir: string) => {
    const status = plan[entry]?.shift() ?? 'done';
    runFolder(dir, status);
    return status;
  };
  return {
    calls,
    train: async (run, dir) => (calls.push(`train ${run.name}`), end(run.name, dir)),
    resume: async (dir) => {
      const entry = dir.slice(dir.lastIndexOf('sweep-') + 6);
      calls.push(`resume ${entry}`);
      return end(entry, dir);
    },
    cancelled: () => false,
    ...extra,
  };
}

test('a sweep trains its runs in order, skips finished ones, resumes interrupted ones, and writes its end', async () => {
  const { q, path } = setup();
  runFolder(q.runs[0]!.dir, 'done');
  runFolder(q.runs[1]!.dir, 'running'); // left by a trainer that died: no lock held
  runFolder(q.runs[2]!.dir, 'failed');
  const driver = fakeDriver();
  const r = await runSweep(path, q, exp.runs, driver);
  assert.deepEqual(driver.calls, ['resume cc-s2', 'train cc-s4']);
  assert.equal(r.state, 'finished');
  assert.deepEqual(r.statuses, { 'cc-s1': 'done', 'cc-s2': 'done', 'cc-s3': 'failed', 'cc-s4': 'done' });
  assert.equal((await readQueue(path)).state, 'finished');
});

test('a run killed under the sweep is resumed; a window going away leaves the queue running to continue', async () => {
  const { q, path } = setup();
  const driver = fakeDriver({ 'cc-s1': ['interrupted', 'done'] });
  await runSweep(path, q, exp.runs, driver);
  assert.deepEqual(driver.calls.slice(0, 3), ['train cc-s1', 'resume cc-s1', 'train cc-s2']);

  const second = setup();
  let stopping = false;
  const reload = fakeDriver({ 'cc-s2': ['cancelled'] }, { stopping: () => stopping });
  const train = reload.train;
  reload.train = async (run, dir) => {
    if (run.name === 'cc-s2') stopping = true; // the window reloads while cc-s2 trains
    return train(run, dir);
  };
  const r = await runSweep(second.path, second.q, exp.runs, reload);
  assert.equal(r.state, 'running');
  assert.equal((await readQueue(second.path)).state, 'running');
  // Reopened: cc-s1 is not trained again, cc-s2 resumes from its checkpoint.
  stopping = false;
  const after = fakeDriver();
  const again = await runSweep(second.path, await readQueue(second.path), exp.runs, after);
  assert.deepEqual(after.calls, ['resume cc-s2', 'train cc-s3', 'train cc-s4']);
  assert.equal(again.state, 'finished');
});

test('cancelling stops after the run in flight and marks the queue cancelled; a broken queue file is refused', async () => {
  const { q, path } = setup();
  let cancel = false;
  const driver = fakeDriver({}, { cancelled: () => cancel });
  const train = driver.train;
  driver.train = async (run, dir) => ((cancel = true), train(run, dir));
  const r = await runSweep(path, q, exp.runs, driver);
  assert.deepEqual(driver.calls, ['train cc-s1']);
  assert.equal(r.state, 'cancelled');
  assert.equal(JSON.parse(readFileSync(path, 'utf8')).state, 'cancelled');
  writeFileSync(path, '{"format":"clusterlab-queue","version":1}');
  await assert.rejects(readQueue(path), /is not a ClusterLab queue file/);
});

// Issue 26 (each fails on adfa14c).

test("a queue file's runs[].dir is never used: each run trains in <runs>/<name>-<entry>; a queue naming a path is refused (finding 1)", async () => {
  const { runsDir, q, path } = setup();
  const outside = mkdtempSync(join(tmpdir(), 'clusterlab-outside-'));
  const hostile = { ...q, runs: q.runs.map((r) => ({ ...r, dir: join(outside, r.entry) })) };
  writeFileSync(path, JSON.stringify(hostile));
  const dirs: string[] = [];
  const driver = fakeDriver();
  const train = driver.train;
  driver.train = async (run, dir) => (dirs.push(dir), train(run, dir));
  await runSweep(path, await readQueue(path), exp.runs, driver);
  assert.deepEqual(
    dirs,
    exp.runs.map((r) => join(runsDir, `sweep-${r.name}`)),
  );
  assert.deepEqual(readdirSync(outside), [], 'nothing written where the queue file pointed');
  assert.deepEqual(
    (await readQueue(path)).runs.map((r) => r.dir),
    dirs,
    'the queue file is rewritten with the real folders',
  );
  for (const bad of [{ entry: '../../../x' }, { name: 'a/../../b' }]) {
    writeFileSync(
      path,
      JSON.stringify({ ...q, ...('name' in bad ? bad : { runs: [{ entry: bad.entry, dir: outside }] }) }),
    );
    await assert.rejects(
      readQueue(path),
      /is not a ClusterLab queue file: (a run name|its experiment name) may hold only letters/,
    );
  }
});

test('a finished run whose run.json is truncated is named damaged, left alone and out of the counts (finding 6)', async () => {
  const { q, path } = setup();
  runFolder(q.runs[0]!.dir, 'done');
  mkdirSync(q.runs[1]!.dir, { recursive: true });
  writeFileSync(join(q.runs[1]!.dir, 'run.json'), '{"format":"clusterlab-run","status":"do');
  const lines: string[] = [];
  const driver = fakeDriver({}, { log: (l) => void lines.push(l) });
  const r = await runSweep(path, q, exp.runs, driver);
  assert.deepEqual(driver.calls, ['train cc-s3', 'train cc-s4']);
  assert.deepEqual(r.statuses, { 'cc-s1': 'done', 'cc-s3': 'done', 'cc-s4': 'done' });
  const line = lines.find((l) => l.startsWith('cc-s2: '));
  assert.match(
    line ?? '',
    new RegExp(
      `^cc-s2: ${q.runs[1]!.dir}/run\\.json is damaged \\(.*JSON.*\\); skipped, and left out of the counts`,
    ),
  );
  assert.equal(
    readFileSync(join(q.runs[1]!.dir, 'run.json'), 'utf8'),
    '{"format":"clusterlab-run","status":"do',
    'left as it was',
  );
});

test('a damaged queue file is kept aside as .damaged and said so, not overwritten (finding 12)', async () => {
  const { q, path } = setup();
  writeFileSync(path, '{"format":"clusterlab-queue","ver');
  const lines: string[] = [];
  await runSweep(path, q, exp.runs, fakeDriver({}, { log: (l) => void lines.push(l) }));
  assert.equal(readFileSync(`${path}.damaged`, 'utf8'), '{"format":"clusterlab-queue","ver');
  assert.match(
    lines[0]!,
    new RegExp(
      `^cannot read the queue file ${path}: .*JSON.*: kept as ${path}\\.damaged; a new queue is written \\(finished runs are still skipped: their run\\.json says so\\)$`,
    ),
  );
  assert.equal((await readQueue(path)).state, 'finished');
  const found: string[] = [];
  writeFileSync(path, 'not json');
  assert.deepEqual(
    await listQueues([dirname(path)], (p, problem) => void found.push(`${p}: ${problem}`)),
    [],
  );
  assert.match(found.join(), /sweep\.queue\.json: cannot read .*sweep\.queue\.json/);
});
