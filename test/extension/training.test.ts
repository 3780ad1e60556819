import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, beforeEach, test } from 'node:test';
import type { TrainConfig } from '../../src/protocol/run.js';
import { defaultConfig } from '../../src/trainer/run/config.js';
import { testSettings, writeRun } from './runFixtures.js';
import { FakeTrainer } from './fakeTrainer.js';
import { stub, workspace } from './vscodeStub.js';

const { TrainingRuns } = await import('../../src/extension/trainingRuns.js');
const { TrainingStatusBar } = await import('../../src/extension/views/statusBar.js');
const { RunStore } = await import('../../src/extension/workspace/runStore.js');
const { registerCommands } = await import('../../src/extension/commands/commands.js');

const runs = mkdtempSync(join(tmpdir(), 'clusterlab-training-'));
const settings = testSettings(runs);
const config: TrainConfig = { ...defaultConfig('cc', '/data/fashion'), epochs: 2 };
const log = {
  lines: [] as string[],
  info: (m: string) => void log.lines.push(m),
  error: (m: string) => void log.lines.push(m),
  show: () => void log.lines.push('(shown)'),
};
let trainer: FakeTrainer;
let training: InstanceType<typeof TrainingRuns>;
const store = new RunStore([runs], 10);
after(() => store.dispose());

beforeEach(() => {
  stub.reset();
  trainer = new FakeTrainer();
  training = new TrainingRuns(trainer, store, new TrainingStatusBar(), () => settings, log);
});

/** Lets queued promise callbacks (and the file writes they wait for) run. */
const settle = () => new Promise((r) => setTimeout(r, 10));

async function eventually(ok: () => boolean, what: string): Promise<void> {
  for (const deadline = Date.now() + 5000; !ok(); await settle())
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
}

test('a run shows in the progress notification and the status bar, then says how it ended', async () => {
  settings.memoryCapMB = 512;
  trainer.answer = () => ({ runId: 'cc-1', runDir: join(runs, 'cc-1') });
  const started = await training.train(config, runs);
  assert.equal(started.runId, 'cc-1');
  const req = trainer.requests[0]!;
  assert.equal(req.method, 'clusterlab/train');
  assert.deepEqual([req.params.runsDir, req.params.memoryCapMB], [runs, 512]);
  assert.equal(stub.progress[0]!.title, 'ClusterLab: CC · fashion');

  const token = req.params.workDoneToken as string;
  trainer.progress(token, { kind: 'begin', title: 'Training cc on fashion', percentage: 0 });
  trainer.progress(token, { kind: 'report', percentage: 25, message: 'epoch 1/2 · loss 4.21 · 850 img/s' });
  trainer.progress(token, { kind: 'report', percentage: 75, message: 'epoch 2/2 · loss 3.90 · 870 img/s' });
  assert.deepEqual(stub.progress[0]!.reports.slice(1), [
    { message: 'epoch 1/2 · loss 4.21 · 850 img/s', increment: 25 },
    { message: 'epoch 2/2 · loss 3.90 · 870 img/s', increment: 50 },
  ]);
  assert.deepEqual(stub.statusBar, {
    text: '$(sync~spin) CC · epoch 2/2 · loss 3.90 · 870 img/s',
    visible: true,
  });
  assert.ok(training.isTraining(join(runs, 'cc-1')));

  trainer.ended({ runId: 'cc-1', runDir: join(runs, 'cc-1'), status: 'done', epoch: 2, acc: 0.7 });
  await settle();
  assert.ok(stub.progress[0]!.done);
  assert.equal(stub.statusBar.visible, false);
  assert.deepEqual(stub.shown.at(-1), {
    kind: 'info',
    text: 'ClusterLab: CC · fashion finished: ACC 0.700.',
    buttons: ['Open Gallery'],
  });
  assert.equal(training.active.length, 0);
  settings.memoryCapMB = 0;
});

test('each epoch and end of a run is announced at once, so the Runs tree need not wait for the file watcher', async () => {
  const heard: string[] = [];
  const sub = training.onDidChangeRun((dir) => heard.push(dir));
  const dir = join(runs, 'cc-9');
  trainer.notify('clusterlab/epoch', {
    runId: 'cc-9',
    runDir: dir,
    row: { epoch: 1, loss: 1, imgPerSec: 10 },
  });
  trainer.ended({ runId: 'cc-9', runDir: dir, status: 'done', epoch: 1 });
  assert.deepEqual(heard, [dir, dir]);
  sub.dispose();
});

test('a finished run warns of a stage that did nothing, a catch-all cluster and near-empty clusters', async () => {
  const dir = join(runs, 'scan-warn');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'summary.json'),
    JSON.stringify({
      k: 4,
      n: 600,
      epochs: 3,
      seconds: 1,
      backend: 'wasm',
      sizes: [201, 300, 98, 1],
      skipped: [],
    }),
  );
  const row = (epoch: number, phase: string, extra: object) =>
    JSON.stringify({ epoch, phase, loss: 0, terms: {}, imgPerSec: 1, seconds: 1, ...extra });
  writeFileSync(
    join(dir, 'metrics.jsonl'),
    [
      row(1, 'scan', {}),
      row(2, 'selflabel', { confidentFraction: 0 }),
      row(3, 'selflabel', { confidentFraction: 0 }),
    ].join('\n') + '\n',
  );
  trainer.answer = () => {
    trainer.ended({ runId: 'scan-warn', runDir: dir, status: 'done', epoch: 3 });
    return { runId: 'scan-warn', runDir: dir };
  };
  await training.train({ ...config, method: 'scan' }, runs);
  await eventually(() => stub.shown.some((s) => s.kind === 'warning'), 'a warning');
  const warning = stub.shown.find((s) => s.kind === 'warning')!;
  assert.match(warning.text, /self-labeling found no confident image/);
  assert.match(warning.text, /cluster 1 holds 300 of 600 images/);
  assert.match(warning.text, /1 cluster is nearly empty/);
  assert.deepEqual(warning.buttons, ['Open Gallery']);
});

test('Cancel on the notification cancels the run; an end that beats the answer is not lost', async () => {
  trainer.answer = (method) =>
    method === 'clusterlab/cancel' ? { cancelled: true } : { runId: 'cc-2', runDir: join(runs, 'cc-2') };
  await training.train(config, runs);
  stub.progress[0]!.cancel();
  await settle();
  assert.deepEqual(trainer.requests.at(-1), { method: 'clusterlab/cancel', params: { runId: 'cc-2' } });
  trainer.ended({ runId: 'cc-2', runDir: join(runs, 'cc-2'), status: 'cancelled', epoch: 1 });
  await settle();
  assert.match(stub.shown.at(-1)!.text, /cancelled after epoch 1; resuming continues from there/);

  trainer.answer = () => {
    trainer.ended({
      runId: 'cc-3',
      runDir: join(runs, 'cc-3'),
      status: 'failed',
      epoch: 0,
      error: 'no decodable images in /data/fashion',
    });
    return { runId: 'cc-3', runDir: join(runs, 'cc-3') };
  };
  await training.train(config, runs);
  await settle();
  assert.deepEqual(stub.shown.at(-1), {
    kind: 'error',
    text: 'ClusterLab: CC · fashion failed: no decodable images in /data/fashion',
    buttons: ['Show Log'],
  });
  assert.ok(
    log.lines.some((l) => l.includes('CC · fashion failed: no decodable images')),
    'the failure is in the log',
  );
  assert.ok(stub.progress[1]!.done);
});

test('when the trainer dies under a run, the run reads as interrupted (nothing written) and is offered for resume', async () => {
  // The lock the trainer took stays behind, naming a process that is gone.
  const gone = Number(
    spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout,
  );
  const dir = writeRun(runs, 'cc-4', {
    status: 'running',
    startedAt: '2026-01-01T00:00:00Z',
    epoch: 1,
    lock: { pid: gone, host: hostname() },
  });
  trainer.answer = () => ({ runId: 'cc-4', runDir: dir });
  await training.train(config, runs);
  trainer.died.fire();
  await eventually(() => stub.progress[0]!.done, 'the progress notification closing');
  assert.equal(
    JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')).status,
    'running',
    'the host writes no run.json',
  );
  assert.equal((await store.readRun(dir)).status, 'interrupted');
  assert.ok(
    (await store.listRuns()).some((r) => r.dir === dir && r.run.status === 'interrupted'),
    'the Runs view lists it interrupted',
  );
  assert.match(
    stub.shown.at(-1)!.text,
    /the trainer stopped while training CC · fashion; the run is marked interrupted/,
  );
  assert.ok(stub.progress[0]!.done);
  assert.equal(training.active.length, 0);
});

test('commands: training is refused with an explanation in an untrusted workspace, before any trainer request', async () => {
  const subs = registerCommands({
    store,
    training,
    trainer,
    log,
    settings: () => settings,
    refreshRuns: () => {},
  });
  workspace.isTrusted = false;
  stub.answer(undefined);
  await stub.commands.get('clusterlab.train')!();
  assert.match(stub.shown.at(-1)!.text, /ClusterLab trains only in trusted workspaces/);
  await stub.commands.get('clusterlab.resumeRun')!();
  assert.equal(trainer.requests.length, 0);
  for (const s of subs) s.dispose();
});

test('commands: resume from the palette picks among resumable runs; delete asks first; cancel with nothing running says so', async () => {
  const subs = registerCommands({
    store,
    training,
    trainer,
    log,
    settings: () => settings,
    refreshRuns: () => {},
  });
  const cancelled = writeRun(runs, 'cc-5', {
    status: 'cancelled',
    startedAt: '2026-01-05T00:00:00Z',
    epoch: 2,
  });
  writeRun(runs, 'cc-6', { status: 'done', startedAt: '2026-01-06T00:00:00Z' });
  trainer.answer = () => ({ runId: 'cc-5', runDir: cancelled });
  stub.answer((p) => {
    // Done runs are not offered.
    assert.deepEqual(
      p.items!.map((i: { detail: string }) => i.detail).sort(),
      [join(runs, 'cc-4'), cancelled].sort(),
    );
    return p.items!.find((i: { detail: string }) => i.detail === cancelled);
  });
  await stub.commands.get('clusterlab.resumeRun')!();
  assert.deepEqual(trainer.requests.at(-1)!.params.runDir, cancelled);
  trainer.ended({ runId: 'cc-5', runDir: cancelled, status: 'done', epoch: 4 });
  await settle();

  const node = {
    kind: 'run',
    dir: cancelled,
    run: JSON.parse(readFileSync(join(cancelled, 'run.json'), 'utf8')),
  };
  stub.answer(undefined);
  await stub.commands.get('clusterlab.deleteRun')!(node);
  assert.ok(existsSync(cancelled), 'kept when the question is dismissed');
  stub.answer('Delete');
  await stub.commands.get('clusterlab.deleteRun')!(node);
  assert.ok(!existsSync(cancelled));

  await stub.commands.get('clusterlab.cancelRun')!();
  assert.deepEqual(stub.shown.at(-1), { kind: 'info', text: 'ClusterLab: no run is training.' });
  for (const s of subs) s.dispose();
});

test('Check Compute Backends shows the commands that fix a backend, and copies them only when asked (issue 30, friction)', async () => {
  const { env } = await import('./vscodeStub.js');
  const subs = registerCommands({
    store,
    training,
    trainer,
    log,
    settings: () => settings,
    refreshRuns: () => {},
  });
  const fix = 'sudo apt install libcudnn8\nnpm install @tensorflow/tfjs-node-gpu@4.22.0';
  trainer.answer = (method) =>
    method === 'clusterlab/listBackends'
      ? [
          {
            name: 'tensorflow-gpu',
            installed: true,
            available: false,
            active: false,
            detail: '',
            reason: 'libcudnn.so.8 not found',
            fix,
          },
          { name: 'wasm', installed: true, available: true, active: true, detail: '2 threads' },
        ]
      : undefined;
  env.clipboard.text = '';
  stub.answer(stub.pick('tensorflow-gpu'), undefined);
  await stub.commands.get('clusterlab.checkBackends')!();
  const shown = stub.shown.at(-1)!;
  assert.equal(shown.text, 'tensorflow-gpu: libcudnn.so.8 not found');
  assert.equal(shown.detail, `To fix it:\n\n${fix}`);
  assert.equal(env.clipboard.text, '', 'nothing copied unasked');
  stub.answer(stub.pick('tensorflow-gpu'), 'Copy Commands');
  await stub.commands.get('clusterlab.checkBackends')!();
  assert.equal(env.clipboard.text, fix);
  for (const s of subs) s.dispose();
});
