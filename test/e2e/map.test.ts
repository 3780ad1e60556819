// The embedding map in a real VS Code (code-server), on a run the trainer really made: the map
// page asks the trainer for the run's layout, draws it, a lasso selects a region, the selection
// becomes a new named cluster, and the gallery shows that cluster with the same images.
// Screenshots go to test-output/e2e-map/.
// It needs the trainer's side of the map (per-image features at the end of a run and the
// clusterlab/layout request, branch `features`): without src/trainer/layout/umap.ts it is skipped.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe } from 'node:test';
import { readLayout } from '../../src/common/layout.js';
import { parseAssignments } from '../../src/common/runFiles.js';
import { bounds, toScreen, type View } from '../../webview/map/camera.js';
import { e2eSession } from './session.js';
import { makeSampleWorkspace, trainTinyRun } from './workspace.js';

const SHOTS = resolve('test-output/e2e-map');
const TRAINER_MAP = 'src/trainer/layout/umap.ts';

describe(
  'the embedding map in VS Code',
  {
    skip: existsSync(TRAINER_MAP)
      ? false
      : `the trainer's layout (${TRAINER_MAP}, branch features) is not here yet`,
  },
  () => {
    let runDir = '';
    const session = e2eSession('e2e-map', SHOTS, (workspace, home) => {
      runDir = join(workspace, '.clusterlab', 'runs', 'cc-map');
      trainTinyRun(makeSampleWorkspace(workspace, 4), runDir, home);
    });
    const { step } = session;
    const wb = () => session.wb;

    step('the map of the finished run is computed by the trainer and drawn', async () => {
      assert.ok(existsSync(join(runDir, 'features.json')), 'the finished run saved its features');
      await wb().command('ClusterLab: Open Embedding Map');
      const map = await wb().webview('.legend:not([hidden]) .entry', 180_000);
      assert.match(
        (await map.locator('.status').textContent()) ?? '',
        /40 images · \d+ clusters? · kNN kept \d+%/,
      );
      assert.ok(existsSync(join(runDir, 'layout.json')), 'the layout was cached in the run folder');
      await wb().shot('map');
    });

    step('a lassoed region becomes a new named cluster, and the gallery agrees', async () => {
      const map = await wb().webview('canvas.points');
      const canvas = map.locator('canvas.points');
      // Where the points are: the cached layout in the host's unit square, through the page's view.
      const { xy } = (await readLayout(runDir))!;
      const [minX, minY, maxX, maxY] = bounds(xy);
      const span = Math.max(maxX - minX, maxY - minY);
      const view = JSON.parse((await canvas.getAttribute('data-view'))!) as View;
      const box = (await canvas.boundingBox())!;
      const screen = Array.from({ length: xy.length / 2 }, (_, i) =>
        toScreen(view, (xy[2 * i]! - minX) / span, (xy[2 * i + 1]! - minY) / span),
      );
      // A box around the image nearest the map's centre and its 5 nearest neighbours on screen.
      const centre = [box.width / 2, box.height / 2];
      const seed = screen.reduce(
        (b, p, i) =>
          Math.hypot(p[0] - centre[0]!, p[1] - centre[1]!) <
          Math.hypot(screen[b]![0] - centre[0]!, screen[b]![1] - centre[1]!)
            ? i
            : b,
        0,
      );
      const near = screen
        .map((p, i) => [Math.hypot(p[0] - screen[seed]![0], p[1] - screen[seed]![1]), i] as const)
        .sort((a, b) => a[0] - b[0])
        .slice(0, 6)
        .map(([, i]) => i);
      const [x0, y0] = [
        Math.min(...near.map((i) => screen[i]![0])) - 5,
        Math.min(...near.map((i) => screen[i]![1])) - 5,
      ];
      const [x1, y1] = [
        Math.max(...near.map((i) => screen[i]![0])) + 5,
        Math.max(...near.map((i) => screen[i]![1])) + 5,
      ];
      const expected = screen.flatMap((p, i) =>
        p[0] > x0 && p[0] < x1 && p[1] > y0 && p[1] < y1 ? [i] : [],
      );

      const { mouse, keyboard } = wb().page;
      await keyboard.down('Shift');
      await mouse.move(box.x + x0, box.y + y0);
      await mouse.down();
      for (const [x, y] of [
        [x1, y0],
        [x1, y1],
        [x0, y1],
        [x0, y0 + 1],
      ] as const)
        await mouse.move(box.x + x, box.y + y, { steps: 5 });
      await mouse.up();
      await keyboard.up('Shift');
      await map.locator('.strip .count', { hasText: new RegExp(`^${expected.length} selected`) }).waitFor();
      await wb().shot('map-lasso');

      await map.locator('.strip vscode-button[data-action="New Cluster…"]').click();
      await map.locator('.strip .new-name input').fill('lassoed in VS Code');
      await keyboard.press('Enter');
      await map.locator('.legend .entry', { hasText: `lassoed in VS Code (${expected.length})` }).waitFor();
      const labels = JSON.parse(readFileSync(join(runDir, 'labels.json'), 'utf8')) as {
        names: Record<string, string>;
        moves: Record<string, number>;
      };
      const id = Number(Object.entries(labels.names).find(([, n]) => n === 'lassoed in VS Code')![0]);
      const paths = parseAssignments(readFileSync(join(runDir, 'assignments.csv'), 'utf8')).map(
        (a) => a.path,
      );
      assert.deepEqual(
        expected.map((i) => labels.moves[paths[i]!]),
        expected.map(() => id),
      );
      await wb().shot('map-new-cluster');

      await map.locator('.strip vscode-button[data-action="Show in Gallery"]').click();
      const gallery = await wb().webview('.chip:not([hidden])', 60_000);
      assert.match(
        (await gallery.locator('.chip').textContent()) ?? '',
        new RegExp(`${expected.length} images? from the map`),
      );
      const header = gallery.locator(`.row.header[data-cluster="${id}"]`);
      await header.waitFor();
      assert.match(
        (await header.textContent()) ?? '',
        new RegExp(`lassoed in VS Code.*${expected.length} images?`),
      );
      assert.equal(await gallery.locator('.tile').count(), expected.length);
      // Linked: the map's selection is the gallery's.
      assert.equal(await gallery.locator('.tile.selected').count(), expected.length);
      await wb().shot('gallery-agrees');
    });
  },
);
