// The Duplicates page on an image folder that has no run (a user dedupes before training): the
// host side with the trainer's real grouping (runDuplicates, in process) and a recording VS Code.
import { strict as assert } from 'node:assert';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readExclusions } from '../../src/common/exclusions.js';
import type { DuplicatesState } from '../../src/protocol/duplicatesMessages.js';
import type { RunJson } from '../../src/protocol/run.js';
import { DuplicatesController, type DuplicatesFn } from '../../src/extension/views/duplicatesController.js';
import { GalleryController } from '../../src/extension/views/galleryController.js';
import { RunSessions, type RunEntry } from '../../src/extension/views/runSessions.js';
import { ThumbnailCache } from '../../src/extension/workspace/thumbnails.js';
import { runDuplicates } from '../../src/trainer/curate/duplicates.js';
import { makeDuplicateFolder } from '../trainer/curateImages.js';
import { makeFixtureRun, type FixtureRun } from '../webview/fixtureRun.js';
import { recordingUi } from '../webview/harness.js';

let ws: string;
let data: string;
let fx: FixtureRun;

/** A Duplicates page over `runs` (none: the user has trained nothing yet); `trainer: false` as in an untrusted workspace. */
function page(o: { runs?: RunEntry[]; folder?: string; trainer?: boolean } = {}) {
  const sessions = new RunSessions(
    { listRuns: async () => o.runs ?? [], onDidChange: () => ({ dispose: () => undefined }) },
    { isInWorkspace: (p) => p.startsWith(ws), log: () => undefined },
  );
  const { ui, record } = recordingUi(ws, o.folder ? { folder: o.folder } : {});
  const posted: { type: string }[] = [];
  const port = { post: (m: unknown) => void posted.push(m as { type: string }), asUri: (p: string) => p };
  const asked: string[] = [];
  const find: DuplicatesFn = (dir, by, threshold) => {
    asked.push(`${dir} ${by} ${threshold}`);
    return runDuplicates(dir, by, threshold, join(ws, 'cache'));
  };
  const thumbs = new ThumbnailCache(join(ws, 'thumbs'));
  const c = new DuplicatesController(sessions, port, ui, thumbs, o.trainer === false ? undefined : find);
  const states = () => posted.filter((m): m is DuplicatesState => m.type === 'duplicates');
  /** The newest state once `ok` holds for it (the trainer answers asynchronously). */
  const until = async (ok: (s: DuplicatesState) => boolean): Promise<DuplicatesState> => {
    for (let i = 0; i < 600; i++) {
      const s = states().at(-1);
      if (s && ok(s)) return s;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no such state; the last: ${JSON.stringify(states().at(-1))}`);
  };
  return {
    c,
    sessions,
    record,
    posted,
    asked,
    thumbs,
    until,
    close: () => c.dispose().then(() => sessions.dispose()),
  };
}

const groupsOf = (s: DuplicatesState) => (s.result?.groups ?? []).map((g) => g.members.map((m) => m.path));

describe('the Duplicates page on an image folder with no run', () => {
  before(async () => {
    ws = mkdtempSync(join(tmpdir(), 'clusterlab-dupdir-'));
    data = join(ws, 'photos');
    await makeDuplicateFolder(data);
    fx = makeFixtureRun(ws);
  });
  after(() => rmSync(ws, { recursive: true, force: true }));

  it('with no runs the page offers a folder; the chosen folder grouped by hash; keep one writes its exclusion list, undone and redone', async () => {
    const p = page({ folder: data });
    await p.c.handle({ type: 'ready' });
    assert.match(
      (await p.until((s) => s.error !== undefined)).error!,
      /^No runs yet: choose a folder of images/,
    );

    await p.c.handle({ type: 'pickFolder' });
    const s = await p.until((s) => s.result !== undefined);
    assert.deepEqual(p.asked, [`${data} hash 8`]);
    assert.deepEqual(s.folder, { dir: data, name: 'photos' });
    assert.equal(s.run, undefined);
    assert.deepEqual(s.byChoices, ['hash'], 'cosine needs a run');
    assert.equal(s.error, undefined);
    const groups = groupsOf(s);
    for (const pair of [
      ['a/one.png', 'b/one-copy.png'],
      ['a/two.png', 'b/two-small.jpg'],
      ['a/three.png', 'b/three-bright.png'],
    ])
      assert.ok(
        groups.some((g) => pair.every((x) => g.includes(x))),
        `${pair.join(' ~ ')} in ${JSON.stringify(groups)}`,
      );

    // Only images of the groups shown may be named: thumbnails, opening, excluding.
    await p.c.handle({ type: 'thumbs', paths: ['a/one.png', 'a/other5.png'] });
    await p.until(() => p.posted.some((m) => m.type === 'thumbs'));
    const thumbs = p.posted.find((m) => m.type === 'thumbs') as unknown as {
      thumbs: { path: string; uri: string }[];
    };
    assert.deepEqual(
      thumbs.thumbs.map((t) => t.path),
      ['a/one.png'],
    );
    assert.ok(thumbs.thumbs[0]!.uri.length > 0);
    await p.c.handle({ type: 'open', path: 'a/two.png' });
    assert.deepEqual(p.record.opened, [join(data, 'a', 'two.png')]);
    await p.c.handle({ type: 'keepOne', groups: [{ keep: 'a/one.png', exclude: ['../outside.png'] }] });
    await p.c.handle({ type: 'group', by: 'cosine', threshold: 0.95 });
    assert.deepEqual(p.record.errors, [
      'ClusterLab: not an image of this folder: ../outside.png',
      'ClusterLab: no threshold 0.95 by cosine for this folder',
    ]);

    // Keep one: the list beside the images, which a later run of the folder honours.
    await p.c.handle({ type: 'keepOne', groups: [{ keep: 'a/one.png', exclude: ['b/one-copy.png'] }] });
    assert.deepEqual([...(await readExclusions(data))], ['b/one-copy.png']);
    let now = await p.until(() => true);
    assert.ok(!groupsOf(now).some((g) => g.includes('a/one.png')), 'the resolved group goes');
    assert.equal(now.canUndo, true);
    await p.c.handle({ type: 'undo' });
    assert.deepEqual([...(await readExclusions(data))], []);
    now = await p.until(() => true);
    assert.ok(
      groupsOf(now).some((g) => g.includes('b/one-copy.png')),
      'and comes back on undo',
    );
    assert.equal(now.canRedo, true);
    await p.c.handle({ type: 'redo' });
    assert.deepEqual([...(await readExclusions(data))], ['b/one-copy.png']);
    // Opened again (the Explorer's menu on the same folder): its history stays.
    await p.c.showFolder(data);
    assert.equal((await p.until((s) => s.result !== undefined)).canUndo, true);
    await p.c.handle({ type: 'undo' });
    assert.deepEqual(p.record.errors.length, 2);
    await p.close();
  });

  it('the folder and an open run of it share the exclusion list both ways; a run folder shows the run; a run from the picker leaves the folder', async () => {
    const run = JSON.parse(readFileSync(join(fx.runDir, 'run.json'), 'utf8')) as RunJson;
    const p = page({ runs: [{ dir: fx.runDir, run }] });
    await p.c.handle({ type: 'ready' });
    await p.until((s) => s.run?.dir === fx.runDir);
    // The run's image folder, as the Explorer would name it, with one image made a byte copy of another.
    const [a, b] = [...fx.paths].sort();
    copyFileSync(join(fx.dataRoot, a!), join(fx.dataRoot, b!));
    await p.c.showFolder(fx.dataRoot);
    const pairShown = (s: DuplicatesState) => groupsOf(s).some((g) => g.includes(a!) && g.includes(b!));
    await p.until((s) => s.folder?.dir === fx.dataRoot && s.result !== undefined && pairShown(s));
    const gallery = new GalleryController(
      p.sessions,
      { post: () => undefined, asUri: (x) => x },
      recordingUi(ws).ui,
      p.thumbs,
    );
    await gallery.handle({ type: 'ready' });
    const session = await p.sessions.acquire(fx.runDir);
    // The run's gallery excludes the copy: the folder's page reads the list again and the group goes.
    await gallery.handle({ type: 'exclude', paths: [b!], exclude: true });
    await p.until((s) => s.folder?.dir === fx.dataRoot && !pairShown(s));
    await gallery.handle({ type: 'undo' });
    assert.equal(session.excluded.size, 0);
    // The folder's keep one: the open run reads the list again.
    await p.until((s) => pairShown(s));
    await p.c.handle({ type: 'keepOne', groups: [{ keep: a!, exclude: [b!] }] });
    assert.deepEqual([...session.excluded], [b]);
    await p.c.handle({ type: 'undo' });
    assert.equal(session.excluded.size, 0);
    await p.sessions.release(session);
    await gallery.dispose();

    // Naming the run's own folder shows the run, and so does picking it.
    await p.c.showFolder(fx.runDir);
    await p.until((s) => s.run?.dir === fx.runDir && s.folder === undefined);
    await p.c.showFolder(fx.dataRoot);
    await p.until((s) => s.folder?.dir === fx.dataRoot);
    await p.c.handle({ type: 'selectRun', dir: fx.runDir });
    await p.until((s) => s.run?.dir === fx.runDir && s.folder === undefined);
    // A folder the page was never shown is no run: refused.
    await p.c.handle({ type: 'selectRun', dir: data });
    assert.match((await p.until((s) => s.error !== undefined)).error!, /not a known run/);
    await p.close();
  });

  it('bad input: a folder with no images, one outside the workspace, and no trainer each say so in one line', async () => {
    const empty = join(ws, 'empty');
    mkdirSync(join(empty, 'sub'), { recursive: true });
    const p = page();
    await p.c.handle({ type: 'ready' });
    await p.c.showFolder(empty);
    assert.equal(
      (await p.until((s) => s.error !== undefined && s.folder?.dir === empty)).error,
      `${empty}: it holds no images ClusterLab can read (png, jpeg, webp, gif, tiff, ...), in it or its subfolders`,
    );
    await p.c.showFolder(tmpdir());
    assert.match(
      (await p.until((s) => s.folder?.dir === tmpdir())).error!,
      /is outside the workspace: ClusterLab reads images and writes exclusion lists only inside it$/,
    );
    assert.deepEqual(p.asked, [`${empty} hash 8`], 'nothing outside the workspace is read');
    await p.close();

    const untrusted = page({ trainer: false });
    await untrusted.c.handle({ type: 'ready' });
    await untrusted.c.showFolder(data);
    assert.equal(
      (await untrusted.until((s) => s.folder?.dir === data && s.error !== undefined)).error,
      'Finding duplicates needs the trainer, which does not start in an untrusted workspace.',
    );
    await untrusted.close();
  });
});
