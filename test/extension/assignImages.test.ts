// "Assign Images with This Run…": a finished run from the Runs view (or the palette), a folder from
// the open dialog, the trainer's assignFolder request with progress, and a message with the counts
// and buttons to the file; an earlier result is replaced only after the user says so; nothing runs in
// an untrusted workspace.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, beforeEach, test } from 'node:test';
import type { AssignFolderResult } from '../../src/protocol/server.js';
import { FakeTrainer } from './fakeTrainer.js';
import { writeRun } from './runFixtures.js';
import { stub, workspace } from './vscodeStub.js';

const { RunStore } = await import('../../src/extension/workspace/runStore.js');
const { assignImages } = await import('../../src/extension/commands/assignImages.js');
const { UntrustedWorkspaceError } = await import('../../src/extension/trust.js');
const { localTime } = await import('../../src/extension/methods.js');

const runs = mkdtempSync(join(tmpdir(), 'clusterlab-assign-ext-'));
after(() => rmSync(runs, { recursive: true, force: true }));
const done = writeRun(runs, 'cc-done', {
  status: 'done',
  startedAt: '2026-01-02T10:00:00Z',
  acc: 0.7,
  rows: [['coat/a.png', 0, 0.9, 'coat']],
});
writeRun(runs, 'cc-cancelled', { status: 'cancelled', startedAt: '2026-01-01T10:00:00Z', epoch: 2 });
const label = `CC · fashion · ${localTime('2026-01-02T10:00:00Z')}`;
const store = new RunStore([runs], 10);
after(() => store.dispose());
let trainer: FakeTrainer;

const result = (csv: string): AssignFolderResult => ({
  csv,
  header: {
    data: '/photos/june',
    run: done,
    epoch: 4,
    when: '2026-02-01T00:00:00Z',
    images: 12,
    assigned: 11,
    skipped: [{ path: 'x.png', reason: 'not an image' }],
    clusterSizes: [5, 6, 0],
  },
});

beforeEach(() => {
  stub.reset();
  trainer = new FakeTrainer();
});

test('from the palette: only finished runs are offered; the folder goes to the trainer and the counts come back with buttons', async () => {
  const csv = join(done, 'assigned', 'june', 'assignments.csv');
  trainer.answer = (method, params) => {
    trainer.progress(params.workDoneToken, { kind: 'report', percentage: 50, message: '6/12 images' });
    return method === 'clusterlab/assignFolder' ? result(csv) : undefined;
  };
  stub.answer(stub.pick('CC'), '/photos/june');
  const r = await assignImages({ store, trainer }, undefined);
  assert.equal(r?.csv, csv);
  const offered = stub.shown[0]!;
  assert.deepEqual(
    offered.items!.map((i) => i.detail),
    [done],
    'the cancelled run is not offered',
  );
  assert.deepEqual(
    trainer.requests.map((q) => [q.method, q.params.runDir, q.params.data, q.params.overwrite]),
    [['clusterlab/assignFolder', done, '/photos/june', false]],
  );
  assert.deepEqual(stub.progress[0]!.reports, [{ message: '6/12 images', increment: 50 }]);
  assert.deepEqual(stub.shown.at(-1), {
    kind: 'info',
    text: `ClusterLab: assigned 11 of 12 images of june to 2 clusters with ${label}, 1 skipped (the reasons are in the .json beside the CSV).`,
    buttons: ['Open File', 'Reveal Folder'],
  });
});

test('a folder assigned before is replaced only when the user says so', async () => {
  mkdirSync(join(done, 'assigned', 'june'), { recursive: true });
  writeFileSync(join(done, 'assigned', 'june', 'assignments.csv'), 'path,cluster,confidence\n');
  trainer.answer = () => result(join(done, 'assigned', 'june', 'assignments.csv'));
  const node = { kind: 'run', dir: done, run: await store.readRun(done) } as const;

  stub.answer('/photos/june', undefined);
  assert.equal(await assignImages({ store, trainer }, node as never), undefined);
  assert.match(stub.shown.at(-1)!.text, /june was assigned with this run before\. Replace that result\?/);
  assert.equal(trainer.requests.length, 0, 'nothing sent when the user backs out');

  stub.answer('/photos/june', 'Replace');
  await assignImages({ store, trainer }, node as never);
  assert.equal(trainer.requests[0]!.params.overwrite, true);
});

test('in an untrusted workspace nothing is asked or sent', async () => {
  workspace.isTrusted = false;
  await assert.rejects(assignImages({ store, trainer }, done), UntrustedWorkspaceError);
  assert.deepEqual([stub.shown.length, trainer.requests.length], [0, 0]);
});

test("the command is on a finished run's menu in the Runs view and in the palette, disabled in untrusted workspaces", async () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
    contributes: {
      commands: { command: string; title: string; enablement?: string }[];
      menus: Record<string, { command: string; when?: string }[]>;
    };
  };
  const cmd = pkg.contributes.commands.find((c) => c.command === 'clusterlab.assignImages');
  assert.deepEqual([cmd?.title, cmd?.enablement], ['Assign Images with This Run…', 'isWorkspaceTrusted']);
  assert.ok(
    pkg.contributes.menus['view/item/context']!.some(
      (m) => m.command === 'clusterlab.assignImages' && m.when?.includes('viewItem == run.done'),
    ),
  );
  assert.ok(
    !pkg.contributes.menus.commandPalette!.some((m) => m.command === 'clusterlab.assignImages'),
    'not hidden from the palette',
  );
});
