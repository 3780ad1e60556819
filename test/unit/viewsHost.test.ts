import { strict as assert } from 'node:assert';
import {
  copyFileSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseAssignments, parseMetrics } from '../../src/common/runFiles.js';
import type { RunJson } from '../../src/protocol/run.js';
import { chartsState, PICK_GROUP } from '../../src/extension/views/chartsModel.js';
import { confusionState } from '../../src/extension/views/confusionModel.js';
import { buildRunModel, galleryState } from '../../src/extension/views/runModel.js';
import { exportText, materialize } from '../../src/common/runExport.js';
import { LabelsStore } from '../../src/extension/workspace/labelsStore.js';
import { ThumbnailCache } from '../../src/extension/workspace/thumbnails.js';
import { GalleryController } from '../../src/extension/views/galleryController.js';
import { RunSessions, type RunEntry } from '../../src/extension/views/runSessions.js';
import { recordingUi } from '../webview/harness.js';
import { DatasetWatcher } from '../../src/extension/workspace/watcherDataset.js';
import { emptyLabels } from '../../src/protocol/labels.js';
import { joinPaths } from '../../src/protocol/galleryMessages.js';
import { makeFixtureRun, type FixtureRun } from '../webview/fixtureRun.js';

let ws: string;
let fx: FixtureRun;
const run = () => JSON.parse(readFileSync(join(fx.runDir, 'run.json'), 'utf8')) as RunJson;
const rows = () => parseAssignments(readFileSync(join(fx.runDir, 'assignments.csv'), 'utf8'));

describe('extension host: views data', () => {
  before(() => {
    ws = mkdtempSync(join(tmpdir(), 'clusterlab-host-'));
    fx = makeFixtureRun(ws);
  });
  after(() => rmSync(ws, { recursive: true, force: true }));

  it('labels store: edits are written atomically, undo/redo walk them, concurrent edits all land', async () => {
    const store = await LabelsStore.open(fx.runDir);
    await Promise.all([
      store.apply((l) => ({ ...l, names: { ...l.names, '1': 'a' } })),
      store.apply((l) => ({ ...l, names: { ...l.names, '2': 'b' } })),
    ]);
    const file = () => JSON.parse(readFileSync(join(fx.runDir, 'labels.json'), 'utf8'));
    assert.deepEqual(file().names, { '1': 'a', '2': 'b' });
    assert.equal(await store.undo(), true);
    assert.deepEqual(file().names, { '1': 'a' });
    assert.equal(await store.redo(), true);
    assert.equal(await store.redo(), false);
    assert.deepEqual((await LabelsStore.open(fx.runDir)).labels.names, { '1': 'a', '2': 'b' });
    // An edit whose result open() would refuse is not written (here a cluster id past the schema's).
    const before = readFileSync(join(fx.runDir, 'labels.json'), 'utf8');
    await assert.rejects(
      store.apply((l) => ({ ...l, moves: { [fx.paths[0]!]: 1_000_000_000 } })),
      /edit refused, it would make .*labels\.json invalid: moves\..*: expected an integer/,
    );
    assert.equal(readFileSync(join(fx.runDir, 'labels.json'), 'utf8'), before);
    assert.deepEqual(store.labels.moves, {});
    writeFileSync(
      join(fx.runDir, 'labels.json'),
      '{"format":"clusterlab-labels","version":1,"names":{},"merges":[],"moves":{"x":"y"}}',
    );
    await assert.rejects(LabelsStore.open(fx.runDir), /not a valid labels file.*moves\.x/);
    rmSync(join(fx.runDir, 'labels.json'));
  });

  it('gallery state: cluster stats, moved and new images; confusion counts with merges', () => {
    const labels = {
      ...emptyLabels(),
      names: { '0': 'boots' },
      merges: [{ from: 9, into: 8 }],
      moves: { [fx.paths[0]!]: 2 },
    };
    const live = {
      added: new Map([['tops/coat/new.png', { cluster: 2, confidence: 0.5 }]]),
      removed: new Set([fx.paths[1]!]),
    };
    const m = buildRunModel(fx.runDir, run(), rows(), labels, live);
    const g = galleryState(m, [], true, false);
    const paths = joinPaths(g.items);
    assert.equal(paths.length, 40);
    assert.deepEqual(g.items.folders.length, 10);
    assert.equal(g.clusters.length, 9);
    assert.equal(g.clusters[0]!.name, 'boots');
    // paths[0] and paths[1] are bags (cluster 1): one moved away, one deleted from disk.
    assert.equal(g.clusters.find((c) => c.id === 1)!.size, 2);
    assert.equal(g.clusters.find((c) => c.id === 8)!.size, 8);
    assert.deepEqual(g.newItems, [39]);
    assert.equal(g.items.label[39], fx.classes.indexOf('coat'));
    // The move, and the four members of cluster 9 now in cluster 8.
    assert.equal(g.movedItems.length, 5);
    assert.ok(g.movedItems.map((i) => paths[i]).includes(fx.paths[0]));

    const c = confusionState(m, []);
    assert.equal(c.rows.length, 9);
    assert.equal(
      c.counts.flat().reduce((a, b) => a + b, 0),
      40,
    );
    assert.equal(c.superScores?.accKind, 'purity');
    assert.ok(c.scores!.acc > 0.5 && c.scores!.acc < 0.8);
  });

  it('a gallery that showed no run shows the first run to appear, without a reload (side-bar gallery after a run finishes)', async () => {
    let entries: RunEntry[] = [];
    const listeners: (() => void)[] = [];
    const source = {
      listRuns: async () => entries,
      onDidChange: (l: () => void) => (listeners.push(l), { dispose: () => undefined }),
    };
    const sessions = new RunSessions(source, { isInWorkspace: () => true, log: () => undefined });
    const posted: { type: string; clusters?: unknown[]; items?: { names: unknown[] } }[] = [];
    const { ui } = recordingUi(ws);
    const controller = new GalleryController(
      sessions,
      { post: (m) => void posted.push(m as (typeof posted)[number]), asUri: (p) => p },
      ui,
      new ThumbnailCache(join(ws, 'thumbs-empty')),
    );
    await controller.handle({ type: 'ready' });
    assert.equal(posted.at(-1)!.items!.names.length, 0);
    entries = [{ dir: fx.runDir, run: run() }];
    for (const l of listeners) l();
    const deadline = Date.now() + 5000;
    while (posted.at(-1)!.items!.names.length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    assert.equal(posted.at(-1)!.items!.names.length, 40);
    await controller.dispose();
    await sessions.dispose();
  });

  it('materialize offers a new folder sorted/<run> beside the dataset and creates it', async () => {
    const sessions = new RunSessions(
      {
        listRuns: async () => [{ dir: fx.runDir, run: run() }],
        onDidChange: () => ({ dispose: () => undefined }),
      },
      { isInWorkspace: () => true, log: () => undefined },
    );
    const { ui, record } = recordingUi(ws);
    const asked: { title: string; options: { label: string; detail?: string; value: string }[] }[] = [];
    const answers = ['default', 'copy'];
    const picking = {
      ...ui,
      pickFolder: async () => assert.fail('no folder picker when the default is taken'),
      pickOne: async <T extends string>(
        title: string,
        options: { label: string; detail?: string; value: T }[],
      ) => (asked.push({ title, options }), answers.shift() as T),
    };
    const controller = new GalleryController(
      sessions,
      { post: () => undefined, asUri: (p) => p },
      picking,
      new ThumbnailCache(join(ws, 'thumbs-m')),
    );
    await controller.handle({ type: 'ready' });
    await controller.handle({ type: 'materialize' });
    const target = join(ws, 'sorted', 'cc-fixture');
    assert.match(asked[0]!.options[0]!.label, /New folder sorted\/cc-fixture/);
    assert.equal(asked[0]!.options[0]!.detail, target);
    assert.equal(
      readdirSync(target).filter((n) => n !== '.clusterlab-export.json').length,
      10,
      'a folder per cluster',
    );
    assert.equal(
      JSON.parse(readFileSync(join(target, '.clusterlab-export.json'), 'utf8')).run,
      'cc-fixture',
      'marked as an export, not a dataset',
    );
    assert.deepEqual(record.errors, []);
    await controller.dispose();
    await sessions.dispose();
  });

  it('charts state: every numeric leaf is a series, grouped, with nulls for gaps', () => {
    const metrics = parseMetrics(readFileSync(join(fx.runDir, 'metrics.jsonl'), 'utf8'));
    const st = chartsState(fx.runDir, run(), metrics, []);
    assert.deepEqual(st.epochs, [1, 2, 3, 4, 5]);
    const byKey = new Map(st.series.map((s) => [s.key, s]));
    assert.equal(byKey.get('terms.instance')!.group, 'loss');
    assert.equal(byKey.get('nmi')!.group, 'scores');
    assert.equal(byKey.get('nmiPrevious')!.group, 'nmiPrevious');
    assert.equal(byKey.get('nmiPrevious')!.values[0], null);
    assert.equal(byKey.has('epoch'), false);
    // Named by the host from the method specs: the page knows no method.
    assert.deepEqual(
      [byKey.get('terms.instance')!.label, byKey.get('nmi')!.kind],
      ['Instance loss', 'fraction'],
    );
    assert.deepEqual(
      chartsState(fx.runDir, { ...run(), method: 'scan' }, [{ ...metrics[0]!, phase: 'selflabel' }], [])
        .phases,
      ['self-labeling'],
    );
  });

  it("charts state: DeepCluster's pick column is the pick group, drawn beside the scores; with pick=last nothing is", () => {
    const metrics = parseMetrics(readFileSync(join(fx.runDir, 'metrics.jsonl'), 'utf8'));
    const dc = (pick: string) => ({
      ...run(),
      method: 'deepcluster' as const,
      config: { ...run().config, method: 'deepcluster' as const, params: { pick } },
    });
    const groupOf = (pick: string) =>
      new Map(chartsState(fx.runDir, dc(pick), metrics, []).series.map((s) => [s.key, s.group]));
    assert.equal(groupOf('stable').get('nmiPrevious'), PICK_GROUP);
    assert.equal(groupOf('last').get('nmiPrevious'), 'nmiPrevious');
    assert.ok(![...groupOf('last').values()].includes(PICK_GROUP));
  });

  it('export as CSV/JSON and materialize as copies or links, never over existing files or into the dataset', async () => {
    const labels = { ...emptyLabels(), names: { '1': 'bags, mostly' } };
    const m = buildRunModel(fx.runDir, run(), rows(), labels);
    const csv = exportText(m, 'csv').split('\n');
    assert.equal(csv[0], 'path,cluster,name,confidence,excluded');
    assert.ok(csv.some((l) => l.includes(',1,"bags, mostly",')));
    assert.equal(JSON.parse(exportText(m, 'json')).length, 40);

    const out = join(ws, 'out');
    assert.deepEqual(await materialize(m, out, 'copy'), { written: 40, skipped: 0, excluded: 0 });
    assert.deepEqual(await materialize(m, out, 'copy'), { written: 0, skipped: 40, excluded: 0 });
    assert.ok(readdirSync(out).includes('001 bags, mostly'));
    const links = join(ws, 'links');
    await materialize(m, links, 'symlink');
    const first = readdirSync(links).filter((n) => !n.startsWith('.'))[0]!;
    const one = join(links, first, readdirSync(join(links, first))[0]!);
    assert.ok(lstatSync(one).isSymbolicLink());
    await assert.rejects(materialize(m, join(fx.dataRoot, 'x'), 'copy'), /inside the dataset/);
    // The originals are all still there.
    for (const p of fx.paths) assert.ok(statSync(join(fx.dataRoot, p)).isFile());
  });

  it('thumbnails: webp made once per file and mtime, a new one when the file changes', async () => {
    const cache = new ThumbnailCache(join(ws, 'thumbs'));
    const src = join(fx.dataRoot, fx.paths[2]!);
    const a = await cache.get(src);
    assert.ok(a && readFileSync(a).subarray(8, 12).toString() === 'WEBP');
    const made = statSync(a).mtimeMs;
    assert.equal(await cache.get(src), a);
    assert.equal(statSync(a).mtimeMs, made);
    utimesSync(src, new Date(), new Date(Date.now() + 5000));
    const b = await cache.get(src);
    assert.ok(b && b !== a);
    writeFileSync(join(ws, 'broken.png'), 'not an image');
    assert.equal(await cache.get(join(ws, 'broken.png')), undefined);
  });

  it('dataset watcher: a burst of new files goes to the model in bounded batches, one request at a time', async () => {
    const root = join(ws, 'burst');
    copyFileSync(join(fx.dataRoot, fx.paths[0]!), join(ws, 'seed.png'));
    mkdirSync(join(root, 'cls'), { recursive: true });
    copyFileSync(join(ws, 'seed.png'), join(root, 'cls', 'known.png'));
    let inFlight = 0;
    let maxInFlight = 0;
    const batches: number[] = [];
    let changes = 0;
    const w = new DatasetWatcher({
      runDir: fx.runDir,
      root,
      known: new Set(['cls/known.png', 'cls/gone.png']),
      assign: async (_d, files) => {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        batches.push(files.length);
        await new Promise((r) => setTimeout(r, 20));
        inFlight--;
        return files.map((path) => ({ path, cluster: 1, confidence: 0.9 }));
      },
      onChange: () => changes++,
      onError: (e) => assert.fail(e),
      debounceMs: 50,
      batchSize: 64,
    });
    await w.settled();
    assert.deepEqual([...w.removed], ['cls/gone.png']);
    for (let i = 0; i < 150; i++) copyFileSync(join(ws, 'seed.png'), join(root, 'cls', `n${i}.png`));
    writeFileSync(join(root, 'cls', 'notes.txt'), 'not an image');
    const deadline = Date.now() + 15_000;
    while (w.added.size < 150 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await w.settled();
    assert.equal(w.added.size, 150);
    assert.ok(batches.every((b) => b <= 64) && batches.length <= 6, `batches ${batches}`);
    assert.equal(maxInFlight, 1);
    assert.ok(changes <= batches.length + 2, `changes ${changes}`);
    rmSync(join(root, 'cls', 'n0.png'));
    rmSync(join(root, 'cls', 'known.png'));
    while ((w.added.has('cls/n0.png') || !w.removed.has('cls/known.png')) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    assert.equal(w.added.has('cls/n0.png'), false);
    assert.ok(w.removed.has('cls/known.png'));
    await w.dispose();
  });
});
