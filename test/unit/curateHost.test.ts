import { strict as assert } from 'node:assert';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunJson } from '../../src/protocol/run.js';
import { GalleryController } from '../../src/extension/views/galleryController.js';
import { MapController } from '../../src/extension/views/mapController.js';
import { runNeighbours } from '../../src/extension/views/runNeighbours.js';
import { RunSessions } from '../../src/extension/views/runSessions.js';
import { ThumbnailCache } from '../../src/extension/workspace/thumbnails.js';
import { recordingUi } from '../webview/harness.js';
import { makeFixtureRun, writeClassFeatures, type FixtureRun } from '../webview/fixtureRun.js';

let ws: string;
let fx: FixtureRun;
const classOf = (p: string) => fx.classes.indexOf(p.split('/')[1]!);

/** `picks`: the answers to the quick picks, in order. */
function host(answers: { saveAs?: string; folder?: string } = {}, picks: string[] = []) {
  const run = JSON.parse(readFileSync(join(fx.runDir, 'run.json'), 'utf8')) as RunJson;
  const sessions = new RunSessions(
    { listRuns: async () => [{ dir: fx.runDir, run }], onDidChange: () => ({ dispose: () => undefined }) },
    { isInWorkspace: () => true, log: () => undefined },
  );
  const { ui, record } = recordingUi(ws, answers);
  const infos: string[] = [];
  const posted: { type: string; [k: string]: unknown }[] = [];
  const port = {
    post: (m: unknown) => void posted.push(m as (typeof posted)[number]),
    asUri: (p: string) => p,
  };
  const thumbs = new ThumbnailCache(join(ws, 'thumbs'));
  const withInfo = {
    ...ui,
    info: (m: string) => void infos.push(m),
    pickOne: async <T extends string>(_: string, options: { value: T }[]) => {
      const want = picks.shift();
      return options.find((o) => o.value === want)?.value;
    },
  };
  const gallery = new GalleryController(sessions, port, withInfo, thumbs);
  const map = new MapController(sessions, port, withInfo, thumbs);
  return {
    sessions,
    gallery,
    map,
    record,
    infos,
    posted,
    picks,
    close: async () => {
      await gallery.dispose();
      await map.dispose();
      await sessions.dispose();
    },
  };
}

describe('extension host: more like this, doesn’t belong, exports of a selection', () => {
  before(async () => {
    ws = mkdtempSync(join(tmpdir(), 'clusterlab-curate-host-'));
    fx = makeFixtureRun(ws);
    await writeClassFeatures(fx);
  });
  after(() => rmSync(ws, { recursive: true, force: true }));

  it('more like this: the image first, then its class, across clusters, in the gallery; from the map too', async () => {
    const h = host();
    await h.gallery.handle({ type: 'ready' });
    const query = fx.paths[5]!;
    await h.gallery.handle({ type: 'moreLike', path: query });
    assert.deepEqual(h.record.errors, []);
    const filter = [...h.posted].reverse().find((m) => m.type === 'filter') as unknown as {
      images: string[];
      title: string;
      ranked: boolean;
    };
    assert.equal(filter.images[0], query);
    assert.equal(filter.images.length, 25, '24 besides itself (40 images in the run)');
    // Its class's 3 other images come next, though the fixture put one of them in another cluster.
    const sameClass = fx.paths.filter((p, i) => i !== 5 && classOf(p) === classOf(query));
    assert.deepEqual(new Set(filter.images.slice(1, 4)), new Set(sameClass));
    const rows = readFileSync(join(fx.runDir, 'assignments.csv'), 'utf8').trim().split('\n').slice(1);
    const clusterOf = (p: string) => rows.find((r) => r.startsWith(`${p},`))!.split(',')[1];
    assert.ok(new Set(filter.images.slice(0, 4).map(clusterOf)).size > 1, 'across clusters');
    assert.match(filter.title, /^24 like .*\.png in the run’s features$/);
    assert.equal(filter.ranked, true);

    await h.map.handle({ type: 'ready' });
    await h.map.handle({ type: 'moreLike', path: query });
    assert.deepEqual(h.record.galleries.at(-1), { dir: fx.runDir, filter });
    await h.close();
  });

  it('more like this leaves excluded images out; a path the run does not have and a run without features are refused in one line', async () => {
    const h = host();
    await h.gallery.handle({ type: 'ready' });
    const query = fx.paths[5]!;
    const twin = fx.paths.find((p, i) => i !== 5 && classOf(p) === classOf(query))!;
    await h.gallery.handle({ type: 'exclude', paths: [twin], exclude: true });
    await h.gallery.handle({ type: 'moreLike', path: query });
    const filter = [...h.posted].reverse().find((m) => m.type === 'filter') as unknown as {
      images: string[];
    };
    assert.ok(!filter.images.includes(twin));
    await h.gallery.handle({ type: 'undo' });
    await h.gallery.handle({ type: 'moreLike', path: 'no/such.png' });
    assert.deepEqual(h.record.errors, ['ClusterLab: not an image of this run: no/such.png']);
    await h.close();

    // A run trained on a feature model: its features are the model's embeddings, and the chip says so.
    writeFileSync(
      join(fx.runDir, 'feature-model.json'),
      JSON.stringify({
        format: 'clusterlab-feature-model',
        version: 1,
        file: '/models/mobilenet.onnx',
        sha256: 'x',
        dim: 16,
        preprocessing: {},
      }),
    );
    const m = host();
    await m.gallery.handle({ type: 'ready' });
    await m.gallery.handle({ type: 'moreLike', path: query });
    const viaModel = [...m.posted].reverse().find((m) => m.type === 'filter') as unknown as { title: string };
    assert.match(viaModel.title, /^24 like .*\.png in the embeddings of mobilenet\.onnx$/);
    rmSync(join(fx.runDir, 'feature-model.json'));
    await m.close();

    const features = join(fx.runDir, 'features.json');
    const kept = readFileSync(features);
    rmSync(features);
    try {
      const g = host();
      await g.gallery.handle({ type: 'ready' });
      await g.gallery.handle({ type: 'moreLike', path: query });
      assert.deepEqual(g.record.errors, [
        'ClusterLab: “More like this” needs the run’s per-image features: this run saved no per-image features (trained before ClusterLab kept them, or not finished)',
      ]);
      await g.close();
    } finally {
      writeFileSync(features, kept);
    }
  });

  it("doesn't belong: the neighbour table is computed once per run; an edit recomputes only the scores; new features are read again", async () => {
    const h = host();
    await h.gallery.handle({ type: 'ready' });
    const s = await h.sessions.acquire(fx.runDir);
    await h.gallery.handle({ type: 'belong' });
    const first = [...h.posted].reverse().find((m) => m.type === 'belong') as unknown as { scores: number[] };
    const nb = await runNeighbours(s);
    const table = nb.belongTable();
    // The most doubtful-looking image of cluster 0 moved to cluster 5: the scores change, the table stays.
    const moved = fx.paths[0]!;
    await h.gallery.handle({ type: 'move', paths: [moved], to: 5 });
    await h.map.handle({ type: 'ready' });
    await h.map.handle({ type: 'belong' });
    const second = [...h.posted].reverse().find((m) => m.type === 'belong') as unknown as {
      scores: number[];
    };
    assert.notDeepEqual(second.scores, first.scores);
    assert.equal(await runNeighbours(s), nb, 'the same features and searches after an edit');
    assert.equal(nb.belongTable(), table, 'the neighbour table is not computed again');
    await h.gallery.handle({ type: 'undo' });
    // A rewritten features.json (a run still training evaluates again) is read again.
    await writeClassFeatures(fx);
    assert.notEqual(await runNeighbours(s), nb);
    await h.sessions.release(s);
    await h.close();
  });

  it('Materialize into the dataset folder (through a link too) is refused in one line before anything is written', async () => {
    const link = join(ws, 'into-data');
    symlinkSync(fx.dataRoot, link);
    const h = host({ folder: join(link, 'sorted'), saveAs: join(link, 'clusters.csv') }, ['pick', 'copy']);
    await h.gallery.handle({ type: 'ready' });
    await h.gallery.handle({ type: 'materialize' });
    await h.gallery.handle({ type: 'export', format: 'csv' });
    assert.equal(h.record.errors.length, 2);
    assert.match(
      h.record.errors[0]!,
      /^ClusterLab: refused: .*into-data\/sorted is inside the dataset folder .*data \(the export would become training data\)$/,
    );
    assert.match(
      h.record.errors[1]!,
      /^ClusterLab: refused: .*into-data\/clusters\.csv is inside the dataset folder/,
    );
    assert.deepEqual(h.picks, ['copy'], 'refused before asking how to copy');
    assert.ok(!existsSync(join(fx.dataRoot, 'sorted')));
    assert.ok(!existsSync(join(fx.dataRoot, 'clusters.csv')));
    await h.close();
  });

  it('a selection with images deleted since: the rest exported and the deleted named; all deleted: nothing exported, said', async () => {
    const victims = [fx.paths[1]!, fx.paths[2]!];
    const kept = victims.map((p) => readFileSync(join(fx.dataRoot, p)));
    victims.forEach((p) => rmSync(join(fx.dataRoot, p)));
    try {
      const out = join(ws, 'sel-out');
      mkdirSync(out);
      const h = host({ folder: out, saveAs: join(ws, 'sel.csv') }, ['pick', 'copy']);
      await h.gallery.handle({ type: 'ready' });
      await h.gallery.handle({ type: 'materialize', paths: [fx.paths[0]!, ...victims, fx.paths[3]!] });
      assert.deepEqual(h.record.errors, []);
      assert.match(
        h.infos.at(-1)!,
        /^2 images of the selection copied into .*sel-out \(skipped 2 images that no longer exist: .*\.png, \.\.\.\)$/,
      );
      const written = readdirSync(out).filter((d) => !d.startsWith('.'));
      assert.equal(written.flatMap((d) => readdirSync(join(out, d))).length, 2);
      await h.gallery.handle({ type: 'export', format: 'csv', paths: [fx.paths[0]!, victims[0]!] });
      assert.match(
        h.infos.at(-1)!,
        /^Exported 1 image to .*sel\.csv \(skipped 1 image that no longer exists: /,
      );
      assert.equal(readFileSync(join(ws, 'sel.csv'), 'utf8').trim().split('\n').length, 2);
      await h.gallery.handle({ type: 'export', format: 'json', paths: victims });
      assert.equal(
        h.record.errors.at(-1),
        'ClusterLab: none of the 2 selected images exists any more (deleted since they were selected): nothing was exported',
      );
      await h.close();
    } finally {
      victims.forEach((p, i) => writeFileSync(join(fx.dataRoot, p), kept[i]!));
    }
  });
});
