import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { QueueFile } from '../../src/common/experiment/queue.js';
import './vscodeStub.js';

const { experimentItem, groupByExperiment } = await import('../../src/extension/views/experimentNodes.js');

const run = (dir: string, status: string, file?: string) => ({ kind: 'run', dir, run: { status, ...(file ? { experiment: { file, entry: dir } } : {}) } });
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
  const nodes = [run('/runs/cc-1', 'done'), run('/runs/sweep-b', 'running', queue.experiment), run('/runs/sweep-a', 'done', queue.experiment)];
  const top = groupByExperiment(nodes, [queue], () => true);
  assert.deepEqual(top.map((n) => n.kind), ['run', 'experiment']);
  const group = top[1] as Extract<(typeof top)[number], { kind: 'experiment' }>;
  assert.deepEqual(group.children.map((c) => [c.kind, c.dir]), [['run', '/runs/sweep-a'], ['run', '/runs/sweep-b'], ['queued', '/runs/sweep-c']]);
  const item = experimentItem(group);
  assert.deepEqual([item.label, item.description, item.contextValue], ['sweep', '1/3 done · 1 running · 1 queued', 'experiment.running']);
  // A sweep that has not trained anything yet still shows, all queued, and stopped when no window runs it.
  const fresh = groupByExperiment([run('/runs/cc-1', 'done')], [queue], () => false);
  assert.equal(experimentItem(fresh[0] as typeof group).description, '0/3 done · 3 queued');
  assert.equal(experimentItem(fresh[0] as typeof group).contextValue, 'experiment.stopped');
});
