import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, beforeEach, test } from 'node:test';
import { testSettings, writeRun } from './runFixtures.js';
import { FakeTrainer } from './fakeTrainer.js';
import { stub } from './vscodeStub.js';

const { TrainingRuns } = await import('../../src/extension/trainingRuns.js');
const { TrainingStatusBar } = await import('../../src/extension/views/statusBar.js');
const { RunStore } = await import('../../src/extension/workspace/runStore.js');
const { retrainRun } = await import('../../src/extension/commands/retrainRun.js');

const runs = mkdtempSync(join(tmpdir(), 'clusterlab-retrain-'));
const settings = testSettings(runs);
const log = { info: () => undefined, error: () => undefined, show: () => undefined };
const store = new RunStore([runs], 10);
after(() => store.dispose());
let trainer: FakeTrainer;
let training: InstanceType<typeof TrainingRuns>;
beforeEach(() => {
  stub.reset();
  trainer = new FakeTrainer();
  training = new TrainingRuns(trainer, store, new TrainingStatusBar(), () => settings, log);
});

const settle = () => new Promise((r) => setTimeout(r, 10));

test('Retrain with My Corrections asks the trainer for a retrain and opens Compare on before and after when it is done', async () => {
  const before = writeRun(runs, 'cc-before', { status: 'done', startedAt: '2026-12-07T10:00:00Z' });
  const afterDir = join(runs, 'cc-before-retrain');
  trainer.answer = () => ({ runId: 'cc-before-retrain', runDir: afterDir });
  await retrainRun({ store, training }, before);
  assert.deepEqual(
    trainer.requests.map((r) => [r.method, r.params.runDir]),
    [['clusterlab/retrain', before]],
  );
  await settle();
  assert.equal(
    stub.executed.filter((e) => e.id === 'clusterlab.compareRuns').length,
    0,
    'not before it ends',
  );
  trainer.ended({ runId: 'cc-before-retrain', runDir: afterDir, status: 'done', epoch: 6 });
  await settle();
  const compare = stub.executed.filter((e) => e.id === 'clusterlab.compareRuns');
  assert.deepEqual(
    compare.map((e) => e.args[0]),
    [[before, afterDir]],
  );
});

test('a retrain that fails opens no Compare, and a refusal reaches the user as the trainer worded it', async () => {
  const before = writeRun(runs, 'dc-before', { status: 'done', startedAt: '2026-12-07T10:00:00Z' });
  trainer.answer = () => ({ runId: 'x', runDir: join(runs, 'x') });
  await retrainRun({ store, training }, before);
  trainer.ended({ runId: 'x', runDir: join(runs, 'x'), status: 'failed', epoch: 4, error: 'out of memory' });
  await settle();
  assert.equal(stub.executed.filter((e) => e.id === 'clusterlab.compareRuns').length, 0);

  const refusal = 'labels.json: 1 of its 3 moved images is no longer in /data/fashion (first: bag/1.png)';
  trainer.answer = () => Promise.reject(new Error(refusal));
  await assert.rejects(retrainRun({ store, training }, before), { message: refusal });
});
