// The whole user story in a real VS Code (code-server) driven through its UI in Chromium: train
// each method through the quick picks, watch the progress, browse the run in the Runs tree, the
// gallery and the confusion heatmap, open an image, rename a cluster and find the name again after
// a reload; reload the window in the middle of a run and resume it. Screenshots of every step go
// to test-output/e2e/.
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { describe } from 'node:test';
import { parseAssignments } from '../../src/common/runFiles.js';
import {
  chooseGalleryView,
  galleryFrame,
  galleryStatus,
  heatmapCells,
  renameInGallery,
  thumbnailsDrawn,
  trainThroughQuickPicks,
} from './clusterlab.js';
import { inspectRunFolder } from '../reliability/killedRuns.js';
import { e2eSession } from './session.js';
import { makeSampleWorkspace } from './workspace.js';

const SHOTS = resolve('test-output/e2e');
/** 30 images of each of the sample's 10 classes: every method trains in seconds. */
const PER_CLASS = 30;
const IMAGES = PER_CLASS * 10;
const TRAINING_TIMEOUT = 10 * 60_000;
/** Enough epochs that the window can be reloaded while the run is still training. */
const RELOADED_EPOCHS = 30;

describe('ClusterLab in VS Code, as a new user', () => {
  const session = e2eSession('e2e', SHOTS, (workspace) => void makeSampleWorkspace(workspace, PER_CLASS));
  const { step } = session;
  const wb = () => session.wb;

  /** The run folder the trainer wrote for `method`. */
  const runDirOf = (method: string): string => {
    const runs = join(session.workspace, '.clusterlab/runs');
    const dir = readdirSync(runs)
      .map((id) => join(runs, id))
      .find(
        (d) =>
          existsSync(join(d, 'run.json')) &&
          (JSON.parse(readFileSync(join(d, 'run.json'), 'utf8')) as { method: string }).method === method,
      );
    assert.ok(dir, `no ${method} run in ${runs}`);
    return dir;
  };

  /** Images per cluster as the trainer assigned them, by cluster id. */
  const clusterSizes = (method: string): [number, number][] => {
    const sizes = new Map<number, number>();
    for (const a of parseAssignments(readFileSync(join(runDirOf(method), 'assignments.csv'), 'utf8')))
      sizes.set(a.cluster, (sizes.get(a.cluster) ?? 0) + 1);
    return [...sizes].sort((a, b) => a[0] - b[0]);
  };

  step('activates: its trainer log is a channel of the Output panel', async () => {
    await wb().command('ClusterLab: Show Trainer Log');
    // Fails on timeout unless one of the panel's drop-downs, the Output channel, shows ClusterLab.
    await wb().page.waitForFunction(() =>
      [...document.querySelectorAll<HTMLSelectElement>('.panel select.monaco-select-box')].some(
        (s) => s.selectedOptions[0]?.text === 'ClusterLab',
      ),
    );
    await wb().shot('trainer-log');
    await wb().command('View: Hide Panel'); // room for the pages to come
  });

  for (const m of [
    // The fewest epochs that spread the 300 images over most clusters (fewer leave CC and SCAN with
    // one cluster holding all): the pages then show a real clustering.
    { method: 'CC', id: 'cc', epochs: 6 },
    { method: 'SCAN', id: 'scan', epochs: 9 }, // 3 pretext, 5 SCAN, 1 self-labeling
    { method: 'DeepCluster', id: 'deepcluster', epochs: 1 },
  ]) {
    const label = `${m.method} · fashion`;
    // The Runs tree names a run by method, dataset and local start time.
    const treeName = new RegExp(`^${label} · \\w+ \\d+, \\d\\d:\\d\\d$`);

    step(
      `${m.method}: Train Clustering through the quick picks shows VS Code's progress until the run finishes`,
      async () => {
        await trainThroughQuickPicks(wb(), {
          method: m.method,
          clusters: 10,
          epochs: m.epochs,
          imageSize: 16,
          batchSize: 32,
          shots: m.id,
        });
        // The trainer's step progress, in VS Code's progress notification and in the status bar.
        await Promise.all([
          wb()
            .notification(new RegExp(`ClusterLab: ${label}: epoch \\d+/${m.epochs}( · [\\w-]+)? · loss`))
            .waitFor({ timeout: 120_000 }),
          wb()
            .page.locator('.statusbar-item', { hasText: new RegExp(`${m.method} · epoch \\d+/${m.epochs}`) })
            .waitFor({ timeout: 120_000 }),
        ]);
        await wb().shot(`${m.id}-training-progress`);
        const finished = wb().notification(new RegExp(`ClusterLab: ${label} finished: ACC \\d\\.\\d{3}`));
        await finished.waitFor({ timeout: TRAINING_TIMEOUT });
        await wb().shot(`${m.id}-finished`);
        const run = JSON.parse(readFileSync(join(runDirOf(m.id), 'run.json'), 'utf8')) as {
          status: string;
          epoch: number;
          config: { imageSize: number; channels: number; clusters: number };
        };
        assert.equal(run.status, 'done');
        assert.equal(run.epoch, m.epochs);
        assert.deepEqual([run.config.imageSize, run.config.channels, run.config.clusters], [16, 1, 10]);
      },
    );

    step(
      `${m.method}: the ClusterLab side bar lists the run and its clusters, which hold every image`,
      async () => {
        await wb().openSideBar('ClusterLab');
        const runRow = wb().treeRow('Runs', treeName);
        await runRow.waitFor();
        // The tree follows run.json as the trainer rewrites it: done, with the run's score.
        await runRow.locator('.label-description', { hasText: /^done · ACC \d\.\d{3}$/ }).waitFor();
        if ((await runRow.getAttribute('aria-expanded')) !== 'true') await runRow.click();
        const clusters = wb().page.locator('.sidebar .monaco-list-row[aria-level="2"]');
        await clusters.first().waitFor();
        await wb().shot(`${m.id}-runs-tree`);
        // One row per cluster the trainer assigned images to, with its size: every image is in one.
        const sizes = clusterSizes(m.id);
        const rows = await clusters.evaluateAll((els) =>
          els.map((e) => [
            e.querySelector('.label-name')?.textContent,
            e.querySelector('.label-description')?.textContent,
          ]),
        );
        assert.deepEqual(
          rows,
          sizes.map(([id, n]) => [`Cluster ${id}`, `${n} image${n === 1 ? '' : 's'}`]),
        );
        assert.equal(
          sizes.reduce((a, [, n]) => a + n, 0),
          IMAGES,
        );
        assert.ok(sizes.length >= 5, `a clustering, not a collapse: ${JSON.stringify(sizes)}`);
        await runRow.click(); // collapse again: the next run's clusters are then the only ones shown
      },
    );

    step(
      `${m.method}: the gallery shows the clusters with real thumbnails, and the top-confidence view`,
      async () => {
        await wb().contextMenu(wb().treeRow('Runs', treeName), 'Open Cluster Gallery');
        await wb().tab('Cluster Gallery').waitFor();
        const gallery = await galleryFrame(wb());
        await galleryStatus(gallery)
          .getByText(new RegExp(`^${IMAGES} images · \\d+ clusters$`))
          .waitFor();
        await thumbnailsDrawn(gallery);
        await wb().shot(`${m.id}-gallery`);
        await chooseGalleryView(gallery, 'Top-confidence per cluster');
        await gallery.locator('.row.top .tile').first().waitFor();
        await thumbnailsDrawn(gallery);
        await wb().shot(`${m.id}-gallery-top-confidence`);
        await chooseGalleryView(gallery, 'All images by cluster');
      },
    );

    step(
      `${m.method}: the confusion page shows the clusters against the classes and super-classes`,
      async () => {
        await wb().contextMenu(wb().treeRow('Runs', treeName), 'Show Super-class Confusion');
        await wb().tab('Super-class Confusion').waitFor();
        const confusion = await wb().webview('.heatmap-box rect.cell', 30_000, 'editor');
        // A row per cluster holding images, a column per class (10) and per super-class (5).
        const sizes = clusterSizes(m.id);
        const rowLabels = await confusion
          .locator('.heatmap-box[data-kind="classes"] .row-label')
          .allTextContents();
        assert.deepEqual(rowLabels.sort(), sizes.map(([id, n]) => `Cluster ${id} (${n})`).sort()); // rows in the page's diagonal order
        assert.equal(await heatmapCells(confusion, 'classes').count(), sizes.length * 10);
        assert.equal(await heatmapCells(confusion, 'supers').count(), sizes.length * 5);
        assert.match(
          await confusion.locator('.scores').first().innerText(),
          /ACC \d+(\.\d+)?% · NMI \d\.\d{3} · ARI -?\d\.\d{3}/,
        );
        await wb().shot(`${m.id}-confusion`);
      },
    );
  }

  step('CC: a thumbnail clicked in the gallery opens the image in an editor tab', async () => {
    await wb().contextMenu(wb().treeRow('Runs', /^CC · fashion · /), 'Open Cluster Gallery');
    const gallery = await galleryFrame(wb());
    const tile = gallery.locator('.tile').first();
    const path = await tile.locator('img').getAttribute('data-path');
    assert.ok(path);
    await tile.click();
    await wb().tab(basename(path)).waitFor();
    await wb().shot('cc-image-opened');
  });

  step(
    'CC: a cluster renamed inline keeps its name in labels.json, the Runs tree, and after a reload',
    async () => {
      await wb().tab('Cluster Gallery').click();
      // The gallery is not retained when hidden, so showing its tab reloads it; once in CI (1 of 4
      // runs) code-server left the reloaded webview blank. A person would click away and back.
      const gallery = await galleryFrame(wb(), 20_000).catch(async () => {
        await wb().tab('Super-class Confusion').click();
        await wb().tab('Cluster Gallery').click();
        return galleryFrame(wb());
      });
      // A cluster that holds images: the Runs tree lists only those (the gallery keeps empty ones as move targets).
      const header = gallery
        .locator('.row.header')
        .filter({ has: gallery.locator('.stats', { hasNotText: /^0 images/ }) })
        .first();
      const cluster = await header.getAttribute('data-cluster');
      await renameInGallery(gallery, header, 'Renamed in the gallery');
      await gallery
        .locator(`.row.header[data-cluster="${cluster}"] .name`, { hasText: 'Renamed in the gallery' })
        .waitFor();
      await thumbnailsDrawn(gallery);
      await wb().shot('cc-renamed');
      const labels = () =>
        JSON.parse(readFileSync(join(runDirOf('cc'), 'labels.json'), 'utf8')) as {
          names: Record<string, string>;
        };
      assert.equal(labels().names[cluster!], 'Renamed in the gallery');

      await wb().command('Developer: Reload Window');
      await wb().ready();
      await wb().openSideBar('ClusterLab');
      const runRow = wb().treeRow('Runs', /^CC · fashion · /);
      await runRow.waitFor();
      if ((await runRow.getAttribute('aria-expanded')) !== 'true') await runRow.click();
      await wb().treeRow('Runs', 'Renamed in the gallery').waitFor();
      await wb().contextMenu(runRow, 'Open Cluster Gallery');
      // The first editor webview after a reload waits for the webview service worker of the old page
      // to hand over ("unexpected service worker controller"): tens of seconds on a loaded machine.
      const reloaded = await galleryFrame(wb(), 120_000);
      await reloaded
        .locator(`.row.header[data-cluster="${cluster}"] .name`, { hasText: 'Renamed in the gallery' })
        .waitFor();
      await thumbnailsDrawn(reloaded);
      await wb().shot('cc-name-kept-after-reload');
      assert.equal(labels().names[cluster!], 'Renamed in the gallery');
    },
  );

  step(
    'CC: a window reload during training leaves the run whole and resumable, and Resume Run finishes it',
    async () => {
      const runs = join(session.workspace, '.clusterlab/runs');
      const earlier = new Set(readdirSync(runs));
      await trainThroughQuickPicks(wb(), {
        method: 'CC',
        clusters: 10,
        epochs: RELOADED_EPOCHS,
        imageSize: 16,
        batchSize: 32,
        shots: 'cc-reload',
      });
      await wb()
        .page.locator('.statusbar-item', {
          hasText: new RegExp(`CC · epoch ([2-9]|\\d\\d)/${RELOADED_EPOCHS}`),
        })
        .waitFor({ timeout: 120_000 });
      const dir = join(
        runs,
        readdirSync(runs).find((d) => !earlier.has(d))!,
      );
      await wb().shot('cc-reload-before');
      await wb().command('Developer: Reload Window');
      await wb().ready();
      await wb().openSideBar('ClusterLab');
      // The old window's trainer cancelled the run as VS Code stopped it, or died with the window
      // (then nothing holds the run's lock, and it lists as interrupted): resumable either way.
      const row = wb()
        .treeRow('Runs', /^CC · fashion · /)
        .filter({
          has: wb().page.locator('.label-description', {
            hasText: /^(cancelled|interrupted) · epoch \d+\/\d+$/,
          }),
        });
      await row.waitFor({ timeout: 60_000 });
      await wb().shot('cc-reload-after');
      const left = await inspectRunFolder(dir);
      assert.deepEqual(left.problems, []);
      assert.ok(
        left.checkpoint >= 1 && left.checkpoint < RELOADED_EPOCHS,
        `checkpoint of epoch ${left.checkpoint}`,
      );

      await wb().contextMenu(row, 'Resume Run');
      // A resumed run is named as the Runs tree lists it: method · dataset · start time.
      await wb()
        .notification(/ClusterLab: CC · fashion · \w+ \d+, \d\d:\d\d finished: ACC \d\.\d{3}/)
        .waitFor({ timeout: TRAINING_TIMEOUT });
      await wb().shot('cc-reload-resumed');
      const run = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as {
        status: string;
        epoch: number;
      };
      assert.deepEqual([run.status, run.epoch], ['done', RELOADED_EPOCHS]);
      assert.deepEqual((await inspectRunFolder(dir)).problems, []);
      assert.equal(parseAssignments(readFileSync(join(dir, 'assignments.csv'), 'utf8')).length, IMAGES);
    },
  );
});
