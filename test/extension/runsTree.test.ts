import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeRun } from './runFixtures.js';
import './vscodeStub.js';

const { RunStore } = await import('../../src/extension/workspace/runStore.js');
const { RunsTree } = await import('../../src/extension/views/runsTree.js');
const { localTime, renameRun, runLabelOf } = await import('../../src/extension/methods.js');

const runs = mkdtempSync(join(tmpdir(), 'clusterlab-runs-'));
const done = writeRun(runs, 'cc-done', {
  status: 'done',
  startedAt: '2026-01-02T10:00:00Z',
  acc: 0.71234,
  rows: [
    ['coat/a.png', 0, 0.9, 'coat'],
    ['coat/b.png', 0, 0.95, 'coat'],
    ['bag/c.png', 1, 0.8, 'bag'],
    ['bag/d.png', 1, 0.6, 'bag'],
    ['bag/e.png', 2, 0.7, 'bag'],
    ['bag/f.png', 2, 0.5, 'bag'],
  ],
  // Cluster 1 is named; 2 is merged into it; coat/a.png is moved to 2, so it ends in 1 too.
  labels: { names: { '1': 'Bags' }, merges: [{ from: 2, into: 1 }], moves: { 'coat/a.png': 2 } },
});
writeRun(runs, 'cc-running', { status: 'running', startedAt: '2026-01-03T10:00:00Z', epoch: 1 });
writeRun(runs, 'cc-cancelled', { status: 'cancelled', startedAt: '2026-01-01T10:00:00Z', epoch: 2 });
mkdirSync(join(runs, 'broken'));
writeFileSync(
  join(runs, 'broken', 'run.json'),
  '{"format": "clusterlab-run", "id": "broken", "method": "spectral"}',
);
mkdirSync(join(runs, 'not-a-run'));

const store = new RunStore([runs], 20);
const tree = new RunsTree(store, 2);
after(() => {
  tree.dispose();
  store.dispose();
});

test('the Runs tree: runs newest first with status, epoch and ACC; a broken run says what is wrong', async () => {
  const top = await tree.getChildren();
  const items = top.map((n) => tree.getTreeItem(n));
  assert.deepEqual(
    items.map((i) => [i.label, i.description, (i.iconPath as { id: string }).id, i.contextValue]),
    [
      [
        `CC · fashion · ${localTime('2026-01-03T10:00:00Z')}`,
        'running · epoch 1/4',
        'sync~spin',
        'run.running',
      ],
      [`CC · fashion · ${localTime('2026-01-02T10:00:00Z')}`, 'done · ACC 0.712', 'pass', 'run.done'],
      [
        `CC · fashion · ${localTime('2026-01-01T10:00:00Z')}`,
        'cancelled · epoch 2/4',
        'circle-slash',
        'run.cancelled',
      ],
      ['broken', 'unreadable', 'warning', 'run.broken'],
    ],
  );
  assert.match(
    String(items[3]!.tooltip),
    /broken\/run\.json: method: expected one of cc, scan, deepcluster, kmeans, scanhead, temi/,
  );
  assert.match(String(items[1]!.tooltip), /Dataset: \/data\/fashion \(6 images, 2 classes\)/);
});

test("clusters after the user's names, moves and merges, each with its most confident images", async () => {
  const top = await tree.getChildren();
  const clusters = await tree.getChildren(top[1]);
  assert.deepEqual(
    clusters.map((n) => tree.getTreeItem(n)).map((i) => [i.label, i.description]),
    [
      ['Cluster 0', '1 image'],
      ['Bags', '5 images'],
    ],
  );
  assert.equal(
    (tree.getTreeItem(clusters[0]!).iconPath as { id: string }).id,
    'layers',
    'a cluster is a group of images, not a {} namespace',
  );
  const images = (await tree.getChildren(clusters[1])).map((n) => tree.getTreeItem(n));
  // Top two (the tree was made with two per cluster), most confident first.
  assert.deepEqual(
    images.map((i) => [i.label, i.description]),
    [
      ['a.png', '90% · coat'],
      ['c.png', '80% · bag'],
    ],
  );
  assert.deepEqual(images[0]!.command, {
    command: 'vscode.open',
    title: 'Open Image',
    arguments: [images[0]!.resourceUri],
  });
  assert.equal((images[0]!.resourceUri as { fsPath: string }).fsPath, '/data/fashion/coat/a.png');

  const running = await tree.getChildren(top[0]);
  assert.match(String(tree.getTreeItem(running[0]!).label), /clusters appear when the run finishes/);
});

test('the store lists readable runs for the views, and refuses to delete what is not a run', async () => {
  const listed = await store.listRuns();
  assert.deepEqual(
    listed.map((r) => r.run.id),
    ['cc-running', 'cc-done', 'cc-cancelled'],
  );
  assert.equal((await store.readSummary(done))?.acc, 0.71234);
  assert.equal((await store.readAssignments(done))?.length, 6);
  assert.deepEqual((await store.readLabels(done)).names, { '1': 'Bags' });
  await assert.rejects(store.deleteRun(join(runs, 'not-a-run')), /holds no run\.json: not a run folder/);
  await assert.rejects(store.deleteRun(tmpdir()), /is not inside a runs folder/);
});

test('a run left running by a trainer that is gone lists as interrupted, without a write; one held elsewhere stays running', async () => {
  const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  const orphans = [
    writeRun(runs, 'cc-orphan-dead', {
      status: 'running',
      startedAt: '2025-12-01T10:00:00Z',
      lock: { pid: Number(dead.stdout), host: hostname() },
    }),
    writeRun(runs, 'cc-orphan-unlocked', {
      status: 'running',
      startedAt: '2025-12-01T10:00:00Z',
      lock: 'none',
    }),
  ];
  const remote = writeRun(runs, 'cc-remote', {
    status: 'running',
    startedAt: '2025-12-01T10:00:00Z',
    lock: { pid: 1, host: 'gpu-box-7' },
  });
  try {
    const listed = new Map((await store.listRuns()).map((r) => [r.dir, r.run.status]));
    for (const dir of orphans) {
      assert.equal(listed.get(dir), 'interrupted', dir);
      assert.equal((await store.readRun(dir)).status, 'interrupted');
      assert.equal(
        JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')).status,
        'running',
        'listing writes nothing',
      );
    }
    assert.equal(listed.get(remote), 'running');
    assert.equal(listed.get(join(runs, 'cc-running')), 'running', 'held by a live trainer');
  } finally {
    for (const dir of [...orphans, remote]) rmSync(dir, { recursive: true });
  }
});

test('a run whose trainer dies reads as interrupted in the store and an open page, with nothing written; watchers hear about changes', async () => {
  const heard: (string | undefined)[] = [];
  const sub = store.onDidChange((dir) => heard.push(dir));
  const trainer = spawn('sleep', ['60']);
  const dying = writeRun(runs, 'cc-dying', {
    status: 'running',
    startedAt: '2025-11-01T10:00:00Z',
    lock: { pid: trainer.pid!, host: hostname() },
  });
  const { RunSessions } = await import('../../src/extension/views/runSessions.js');
  const sessions = new RunSessions(store, { isInWorkspace: () => true, log: () => undefined });
  try {
    const session = await sessions.acquire(dying);
    assert.equal(session.run.status, 'running', 'held by a live trainer');
    await new Promise((r) => trainer.once('exit', r).kill('SIGKILL'));
    // What TrainingRuns does when the trainer dies under the run: no file changes.
    store.trainerGone(dying);
    for (let i = 0; i < 200 && session.run.status === 'running'; i++)
      await new Promise((r) => setTimeout(r, 25));
    assert.equal(session.run.status, 'interrupted', 'the open page hears it');
    assert.equal((await store.readRun(dying)).status, 'interrupted');
    assert.ok(heard.includes(dying));
    assert.equal(
      JSON.parse(readFileSync(join(dying, 'run.json'), 'utf8')).status,
      'running',
      'nothing written',
    );
  } finally {
    trainer.kill();
    await sessions.dispose();
    rmSync(dying, { recursive: true });
  }

  writeRun(runs, 'cc-new', { status: 'running', startedAt: '2026-01-04T10:00:00Z' });
  const deadline = Date.now() + 10_000;
  while (!heard.includes(join(runs, 'cc-new')) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  assert.ok(heard.includes(join(runs, 'cc-new')), `heard ${JSON.stringify(heard)}`);

  await store.deleteRun(join(runs, 'cc-new'));
  assert.ok(!existsSync(join(runs, 'cc-new')));
  sub.dispose();
});

test('a runs folder that does not exist yet is watched from the moment it appears', async () => {
  const workspace = mkdtempSync(join(tmpdir(), 'clusterlab-ws-'));
  const root = join(workspace, '.clusterlab', 'runs');
  const later = new RunStore([root], 20);
  try {
    const heard: (string | undefined)[] = [];
    later.onDidChange((dir) => heard.push(dir));
    await new Promise((r) => setTimeout(r, 300));
    const dir = writeRun(root, 'cc-first', { status: 'running', startedAt: '2026-01-05T10:00:00Z' });
    // Every epoch rewrites the run's files: one of those writes must be heard once the folder exists.
    const deadline = Date.now() + 10_000;
    for (let epoch = 1; !heard.includes(dir); epoch++) {
      assert.ok(Date.now() < deadline, `the new runs folder is not watched: heard ${JSON.stringify(heard)}`);
      writeFileSync(join(dir, 'metrics.jsonl'), '{"epoch": 1}\n'.repeat(epoch));
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.deepEqual(
      (await later.listRuns()).map((r) => r.run.id),
      ['cc-first'],
    );
  } finally {
    later.dispose();
  }
});

test('a run that failed on its data shows why and the files it skipped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'clusterlab-failed-'));
  writeRun(dir, 'cc-failed', {
    status: 'failed',
    startedAt: '2026-01-04T10:00:00Z',
    epoch: 0,
    error: '/data/few has 1 decodable image, fewer than the 2 clusters asked for',
    skipped: [
      { path: 'f1.png', reason: 'not a decodable image' },
      { path: 'f2.png', reason: 'not a decodable image' },
    ],
  });
  const failedStore = new RunStore([dir], 20);
  const failedTree = new RunsTree(failedStore, 2);
  try {
    const [run] = await failedTree.getChildren();
    assert.equal(
      failedTree.getTreeItem(run!).description,
      'failed · /data/few has 1 decodable image, fewer than the 2 clusters asked for',
    );
    const notes = (await failedTree.getChildren(run)).map((n) => failedTree.getTreeItem(n).label);
    assert.deepEqual(notes, [
      'Failed: /data/few has 1 decodable image, fewer than the 2 clusters asked for',
      'Skipped f1.png: not a decodable image',
      'Skipped f2.png: not a decodable image',
    ]);
  } finally {
    failedTree.dispose();
    failedStore.dispose();
  }
});

test('cluster counts include images assigned live and leave out deleted ones, as the gallery does', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'clusterlab-live-'));
  const runDir = writeRun(dir, 'cc-live', {
    status: 'done',
    startedAt: '2026-01-02T10:00:00Z',
    rows: [
      ['coat/a.png', 0, 0.9, 'coat'],
      ['coat/b.png', 0, 0.95, 'coat'],
      ['bag/c.png', 1, 0.8, 'bag'],
    ],
  });
  const liveStore = new RunStore([dir], 20);
  const live = {
    added: new Map([['bag/new.png', { cluster: 1, confidence: 0.7 }]]),
    removed: new Set(['coat/b.png']),
  };
  const liveTree = new RunsTree(liveStore, 2, {
    of: (d: string) => (d === runDir ? live : undefined),
    onDidChange: () => ({ dispose: () => undefined }),
  });
  try {
    const [run] = await liveTree.getChildren();
    const clusters = (await liveTree.getChildren(run)).map((n) => liveTree.getTreeItem(n));
    assert.deepEqual(
      clusters.map((i) => [i.label, i.description]),
      [
        ['Cluster 0', '1 image'],
        ['Cluster 1', '2 images'],
      ],
    );
  } finally {
    liveTree.dispose();
    liveStore.dispose();
  }
});

test('one human name for a run: method · dataset · local start time, or the name the user gave it', async () => {
  assert.match(
    localTime('2026-01-02T10:00:00Z'),
    /^[A-Z][a-z]{2} \d{1,2}, \d\d:\d\d$/,
    'local time, not UTC ISO',
  );
  const dir = mkdtempSync(join(tmpdir(), 'clusterlab-names-'));
  const runDir = writeRun(dir, 'cc-20260102-100000', {
    status: 'done',
    startedAt: '2026-01-02T10:00:00Z',
    rows: [['coat/a.png', 0, 0.9, 'coat']],
  });
  const namedStore = new RunStore([dir], 20);
  const namedTree = new RunsTree(namedStore, 2);
  try {
    const [before] = await namedStore.listRuns();
    assert.equal(before!.name, undefined);
    await renameRun(runDir, 'Boots, first try');
    assert.deepEqual(JSON.parse(readFileSync(join(runDir, 'name.json'), 'utf8')), {
      name: 'Boots, first try',
    });
    const [run] = await namedTree.getChildren();
    assert.equal(namedTree.getTreeItem(run!).label, 'Boots, first try');
    const { RunSessions } = await import('../../src/extension/views/runSessions.js');
    const sessions = new RunSessions(namedStore, { isInWorkspace: () => true, log: () => undefined });
    await sessions.list();
    assert.equal(
      sessions.choices()[0]!.label,
      'Boots, first try',
      "the pages' run picker uses the same name",
    );
    await renameRun(runDir, '');
    assert.equal(
      namedTree.getTreeItem((await namedTree.getChildren())[0]!).label,
      `CC · fashion · ${localTime('2026-01-02T10:00:00Z')}`,
    );
    // An experiment's run goes by its entry's name, unless the user renamed it.
    const swept = {
      ...(await namedStore.listRuns())[0]!.run,
      experiment: { file: '/w/fashion.clusterlab.yaml', entry: 'cc-k10' },
    };
    assert.equal(runLabelOf(swept), 'cc-k10');
    assert.equal(runLabelOf(swept, 'Boots, first try'), 'Boots, first try');
  } finally {
    namedTree.dispose();
    namedStore.dispose();
  }
});

test("the pages' run picker tells apart runs named alike (started in the same minute) by their folder names", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'clusterlab-twins-'));
  for (const id of ['cc-20260102-100001', 'cc-20260102-100042'])
    writeRun(dir, id, {
      status: 'done',
      startedAt: `2026-01-02T10:00:${id.slice(-2)}Z`,
      rows: [['coat/a.png', 0, 0.9, 'coat']],
    });
  writeRun(dir, 'cc-20260103-100000', {
    status: 'done',
    startedAt: '2026-01-03T10:00:00Z',
    rows: [['coat/a.png', 0, 0.9, 'coat']],
  });
  const store = new RunStore([dir], 20);
  try {
    const { RunSessions } = await import('../../src/extension/views/runSessions.js');
    const sessions = new RunSessions(store, { isInWorkspace: () => true, log: () => undefined });
    await sessions.list();
    const twin = `CC · fashion · ${localTime('2026-01-02T10:00:00Z')}`;
    assert.deepEqual(
      sessions
        .choices()
        .map((c) => c.label)
        .sort(),
      [
        `${twin} (cc-20260102-100001)`,
        `${twin} (cc-20260102-100042)`,
        `CC · fashion · ${localTime('2026-01-03T10:00:00Z')}`,
      ].sort(),
    );
  } finally {
    store.dispose();
  }
});
