import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { QueueFile } from '../../src/common/experiment/queue.js';
import './vscodeStub.js';

const { experimentItem, groupByExperiment } = await import('../../src/extension/views/experimentNodes.js');

const run = (dir: string, status: string, file?: string) => ({
  kind: 'run',
  dir,
  run: { status, ...(file ? { experiment: { file, entry: dir } } : {}) },
});
const queue: QueueFile = {
  format: 'clusterlab-queue',
  version: 1,
  experiment: '/w/sweep.clusterlab.yaml',
  name: 'sweep',
  state: 'running',
  runs: ['a', 'b', 'c'].map((e) => ({ entry: e, dir: `/runs/sweep-${e}` })),
  updatedAt: '',
};

test("the Runs view groups an experiment's runs in queue order, lists the ones not started as queued, and counts them", () => {
  const nodes = [
    run('/runs/cc-1', 'done'),
    run('/runs/sweep-b', 'running', queue.experiment),
    run('/runs/sweep-a', 'done', queue.experiment),
  ];
  const top = groupByExperiment(nodes, [queue], () => true);
  assert.deepEqual(
    top.map((n) => n.kind),
    ['run', 'experiment'],
  );
  const group = top[1] as Extract<(typeof top)[number], { kind: 'experiment' }>;
  assert.deepEqual(
    group.children.map((c) => [c.kind, c.dir]),
    [
      ['run', '/runs/sweep-a'],
      ['run', '/runs/sweep-b'],
      ['queued', '/runs/sweep-c'],
    ],
  );
  const item = experimentItem(group);
  assert.deepEqual(
    [item.label, item.description, item.contextValue],
    ['sweep', '1/3 done · 1 running · 1 queued', 'experiment.running'],
  );
  // A sweep that has not trained anything yet still shows, all queued, and stopped when no window runs it.
  const fresh = groupByExperiment([run('/runs/cc-1', 'done')], [queue], () => false);
  assert.equal(experimentItem(fresh[0] as typeof group).description, '0/3 done · 3 queued');
  assert.equal(experimentItem(fresh[0] as typeof group).contextValue, 'experiment.stopped');
});

test('a run of a stopped sweep without a folder is not shown as queued: it says what it is and that Run all trains it (issue 30, bug 5)', async () => {
  const { queuedItem } = await import('../../src/extension/views/experimentNodes.js');
  type Group = Extract<ReturnType<typeof groupByExperiment>[number], { kind: 'experiment' }>;
  // Finished, then one run deleted (Delete Run): nothing will train it.
  const finished = groupByExperiment(
    [run('/runs/sweep-a', 'done', queue.experiment), run('/runs/sweep-c', 'done', queue.experiment)],
    [{ ...queue, state: 'finished' }],
    () => false,
  )[0] as Group;
  assert.equal(experimentItem(finished).description, '2/3 done · 1 deleted');
  const deleted = finished.children[1] as Parameters<typeof queuedItem>[0];
  assert.deepEqual(
    [queuedItem(deleted).description, queuedItem(deleted).contextValue],
    ['deleted · Run all to train again', 'unqueued'],
  );
  // Cancelled before its last runs.
  const cancelled = groupByExperiment(
    [run('/runs/sweep-a', 'done', queue.experiment)],
    [{ ...queue, state: 'cancelled' }],
    () => false,
  )[0] as Group;
  assert.equal(experimentItem(cancelled).description, '1/3 done · 2 not trained');
  assert.equal(
    queuedItem(cancelled.children[2] as Parameters<typeof queuedItem>[0]).description,
    'not trained · Run all to train',
  );
  // Run all again: queued while it runs.
  const again = groupByExperiment(
    [run('/runs/sweep-a', 'done', queue.experiment)],
    [{ ...queue, state: 'cancelled' }],
    () => true,
  )[0] as Group;
  assert.equal(experimentItem(again).description, '1/3 done · 2 queued');
});
