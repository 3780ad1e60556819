import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { writeRun } from './runFixtures.js';
import { FakeTrainer } from './fakeTrainer.js';
import { stub, Uri, workspace } from './vscodeStub.js';

const { TrainingRuns } = await import('../../src/extension/trainingRuns.js');
const { TrainingStatusBar } = await import('../../src/extension/views/statusBar.js');
const { RunStore } = await import('../../src/extension/workspace/runStore.js');
const { Sweeps } = await import('../../src/extension/sweeps.js');

const ws = mkdtempSync(join(tmpdir(), 'clusterlab-sweeps-'));
const runs = join(ws, 'runs');
const file = join(ws, 'sw.clusterlab.yaml');
writeFileSync(
  file,
  `data: ${resolve('sample/fashion/bags')}\nimageSize: 12\nepochs: 1\ngrid:\n  methods: [cc]\n  seeds: [1, 2]\n`,
);
workspace.workspaceFolders = [{ uri: Uri.file(ws) }];
const settings = {
  runsFolder: runs,
  defaultMethod: 'cc' as const,
  backend: 'wasm' as const,
  imageSize: 32,
  batchSize: 0,
  memoryCapMB: 0,
  nativeBackendPath: '',
};
const log = {
  lines: [] as string[],
  info: (m: string) => void log.lines.push(m),
  error: (m: string) => void log.lines.push(m),
  show: () => undefined,
};
const store = new RunStore([runs], 10);
after(() => store.dispose());

async function eventually<T>(get: () => T | undefined, what: string): Promise<T> {
  for (const deadline = Date.now() + 5000; ; await new Promise((r) => setTimeout(r, 10))) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`never happened: ${what}; log: ${log.lines.join(' | ')}`);
  }
}

test('a sweep trains its runs into their folders one after another, and resumes the run a dying trainer interrupted', async () => {
  stub.reset();
  const trainer = new FakeTrainer();
  trainer.answer = (_, params) => ({ runId: basename(params.runDir), runDir: params.runDir });
  const training = new TrainingRuns(trainer, store, new TrainingStatusBar(), () => settings, log);
  const sweeps = new Sweeps(training, store, () => settings, log);
  await sweeps.start(file);
  assert.ok(sweeps.isRunning(file));
  await assert.rejects(sweeps.start(file), /already running: cancel it first/);

  const first = await eventually(
    () => trainer.requests.find((r) => r.method === 'clusterlab/train'),
    'the first run',
  );
  assert.deepEqual(
    [first.params.runDir, first.params.experiment, first.params.config.seed, first.params.config.backend],
    [join(runs, 'sw-cc-s1'), { file, entry: 'cc-s1' }, 1, 'wasm'],
  );
  assert.equal(trainer.requests.length, 1, 'one run at a time');
  writeRun(runs, 'sw-cc-s1', { status: 'done', startedAt: '2026-01-01T00:00:00Z' });
  trainer.ended({ runId: 'sw-cc-s1', runDir: first.params.runDir, status: 'done', epoch: 1 });

  const second = await eventually(
    () => trainer.requests.find((r) => r.params.runDir === join(runs, 'sw-cc-s2')),
    'the second run',
  );
  assert.equal(second.method, 'clusterlab/train');
  // The trainer dies under it: marked interrupted, then resumed from its checkpoint by the sweep.
  writeRun(runs, 'sw-cc-s2', { status: 'running', startedAt: '2026-01-01T00:00:00Z', lock: 'none' });
  trainer.died.fire();
  const resumed = await eventually(
    () => trainer.requests.find((r) => r.method === 'clusterlab/resume'),
    'the resume',
  );
  assert.equal(resumed.params.runDir, join(runs, 'sw-cc-s2'));
  writeRun(runs, 'sw-cc-s2', { status: 'done', startedAt: '2026-01-01T00:00:00Z' });
  trainer.ended({ runId: 'sw-cc-s2', runDir: resumed.params.runDir, status: 'done', epoch: 1 });

  await eventually(() => (sweeps.isRunning(file) ? undefined : true), 'the sweep ending');
  assert.equal(JSON.parse(readFileSync(join(runs, 'sw.queue.json'), 'utf8')).state, 'finished');
  assert.deepEqual(
    trainer.requests.map((r) => r.method),
    ['clusterlab/train', 'clusterlab/train', 'clusterlab/resume'],
  );
  assert.ok(
    stub.shown.some((m) => /sw finished: 2 of 2 runs done/.test(m.text)),
    JSON.stringify(stub.shown),
  );
  // The sweep resumed the interrupted run itself: no "marked interrupted [Resume]" toast left behind (issue 30, bug 9).
  assert.ok(!stub.shown.some((m) => /marked interrupted/.test(m.text)), JSON.stringify(stub.shown));
  training.dispose();
});

test('a sweep whose file was deleted: ▶ says the file is gone, and Remove Sweep clears its queue (issue 30, bug 3)', async () => {
  stub.reset();
  const { experimentCommands } = await import('../../src/extension/commands/experimentCommands.js');
  const { listQueues, newQueue, queuePath, writeQueue } =
    await import('../../src/common/experiment/queue.js');
  const { parseExperiment } = await import('../../src/common/experiment/parse.js');
  stub.config.set('clusterlab.runsFolder', runs);
  const gone = join(ws, 'big.clusterlab.yaml');
  writeFileSync(
    gone,
    `data: ${resolve('sample/fashion/bags')}\nimageSize: 12\nepochs: 1\ngrid:\n  methods: [cc]\n  seeds: [1, 2, 3]\n`,
  );
  const trainer = new FakeTrainer();
  const training = new TrainingRuns(trainer, store, new TrainingStatusBar(), () => settings, log);
  const sweeps = new Sweeps(training, store, () => settings, log);
  const reported: string[] = [];
  const subs = experimentCommands(sweeps, async (e) => void reported.push((e as Error).message));
  // Cancelled after one run (the queue as a sweep leaves it).
  const exp = parseExperiment(readFileSync(gone, 'utf8'), gone);
  await writeQueue(queuePath(runs, exp.name), {
    ...newQueue(gone, exp.name, runs, exp.runs),
    state: 'cancelled',
  });
  // Deleted on disk while its editor still holds its text.
  const text = readFileSync(gone, 'utf8');
  workspace.textDocuments = [{ uri: { fsPath: gone }, getText: () => text }];
  rmSync(gone);
  await stub.commands.get('clusterlab.runExperiment')!({ file: gone });
  assert.equal(reported.length, 1);
  assert.match(reported[0]!, /big\.clusterlab\.yaml was deleted: restore it to run it, or Remove Sweep/);
  assert.deepEqual(trainer.requests, [], "nothing trained from the editor's copy");
  assert.equal((await listQueues([runs])).filter((q) => q.queue.experiment === gone).length, 1);

  stub.answer('Remove Sweep');
  await stub.commands.get('clusterlab.removeSweep')!({ file: gone });
  assert.match(stub.shown.at(-1)!.text, /Remove the sweep of .*big\.clusterlab\.yaml\?/);
  assert.deepEqual(
    (await listQueues([runs])).filter((q) => q.queue.experiment === gone),
    [],
    'its queue is gone',
  );
  assert.ok(stub.executed.some((c) => c.id === 'clusterlab.refreshRuns'));
  workspace.textDocuments = [];
  subs.forEach((s) => s.dispose());
  training.dispose();
});

test('a running queue file is continued into the runs folder whatever its runs[].dir says; a damaged one is said and kept aside (issue 26, findings 1 and 12)', async () => {
  stub.reset();
  const outside = mkdtempSync(join(tmpdir(), 'clusterlab-outside-'));
  const hostile = {
    format: 'clusterlab-queue',
    version: 1,
    experiment: file,
    name: 'sw',
    state: 'running',
    updatedAt: '2026-01-01T00:00:00Z',
    runs: ['cc-s1', 'cc-s2'].map((entry) => ({ entry, dir: join(outside, entry) })),
  };
  rmSync(runs, { recursive: true, force: true });
  mkdirSync(runs, { recursive: true });
  writeFileSync(join(runs, 'sw.queue.json'), JSON.stringify(hostile));
  writeFileSync(join(runs, 'other.queue.json'), '{"format":"clusterlab-queue",');
  const trainer = new FakeTrainer();
  trainer.answer = (_, params) => ({ runId: basename(params.runDir), runDir: params.runDir });
  const training = new TrainingRuns(trainer, store, new TrainingStatusBar(), () => settings, log);
  const sweeps = new Sweeps(training, store, () => settings, log);
  await sweeps.continueUnfinished([runs]);

  for (const entry of ['cc-s1', 'cc-s2']) {
    const req = await eventually(
      () => trainer.requests.find((r) => r.params.runDir === join(runs, `sw-${entry}`)),
      `${entry} in the runs folder`,
    );
    writeRun(runs, `sw-${entry}`, { status: 'done', startedAt: '2026-01-01T00:00:00Z' });
    trainer.ended({ runId: `sw-${entry}`, runDir: req.params.runDir, status: 'done', epoch: 1 });
  }
  await eventually(() => (sweeps.isRunning(file) ? undefined : true), 'the sweep ending');
  assert.deepEqual(readdirSync(outside), []);
  assert.ok(
    trainer.requests.every((r) => r.params.runDir.startsWith(`${runs}/`)),
    JSON.stringify(trainer.requests.map((r) => r.params.runDir)),
  );
  const warned = stub.shown.find((m) => m.kind === 'warning')?.text ?? '';
  assert.match(
    warned,
    new RegExp(
      `^ClusterLab: cannot read the queue file ${join(runs, 'other.queue.json')}: .*JSON.*: kept as ${join(runs, 'other.queue.json.damaged')}; a sweep it held does not continue by itself: Run all to go on`,
    ),
  );
  assert.equal(readFileSync(join(runs, 'other.queue.json.damaged'), 'utf8'), '{"format":"clusterlab-queue",');
  training.dispose();
});
