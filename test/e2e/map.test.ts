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
import { parseAssignments } from '../../src/common/runFiles.js';
import { lassoNearCentre } from './mapLasso.js';
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
      const expected = await lassoNearCentre(wb(), map, runDir);
      await wb().shot('map-lasso');

      await map.locator('.strip vscode-button[data-action="New Cluster…"]').click();
      await map.locator('.strip .new-name input').fill('lassoed in VS Code');
      await wb().page.keyboard.press('Enter');
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
