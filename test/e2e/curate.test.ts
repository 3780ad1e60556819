// Curation in a real VS Code (code-server), on a run the trainer really made: a lasso on the map
// becomes a new named cluster and is exported as an ImageFolder tree (the gallery's Materialize of
// the selection, through VS Code's quick picks), and "more like this" from a gallery tile shows the
// image's nearest images across clusters under a chip that is cleared to go back.
// Screenshots go to test-output/e2e-curate/.
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe } from 'node:test';
import { parseAssignments } from '../../src/common/runFiles.js';
import { lassoNearCentre } from './mapLasso.js';
import { e2eSession } from './session.js';
import { makeSampleWorkspace, trainTinyRun } from './workspace.js';

const SHOTS = resolve('test-output/e2e-curate');
const NAME = 'picked on the map';

describe('curation in VS Code', () => {
  let runDir = '';
  let workspace = '';
  const session = e2eSession('e2e-curate', SHOTS, (ws, home) => {
    workspace = ws;
    runDir = join(ws, '.clusterlab', 'runs', 'cc-curate');
    trainTinyRun(makeSampleWorkspace(ws, 4), runDir, home);
  });
  const { step } = session;
  const wb = () => session.wb;
  const paths = () =>
    parseAssignments(readFileSync(join(runDir, 'assignments.csv'), 'utf8')).map((a) => a.path);

  step('a lasso on the map -> a new cluster -> exported as an ImageFolder tree', async () => {
    await wb().command('ClusterLab: Open Embedding Map');
    const map = await wb().webview('.legend:not([hidden]) .entry', 180_000);
    const lassoed = await lassoNearCentre(wb(), map, runDir);
    await map.locator('.strip vscode-button[data-action="New Cluster…"]').click();
    await map.locator('.strip .new-name input').fill(NAME);
    await wb().page.keyboard.press('Enter');
    await map.locator('.legend .entry', { hasText: `${NAME} (${lassoed.length})` }).waitFor();
    await wb().shot('map-lasso-new-cluster');

    await map.locator('.strip vscode-button[data-action="Show in Gallery"]').click();
    const gallery = await wb().webview('.chip:not([hidden])', 60_000, 'editor');
    await gallery
      .locator('.tile.selected')
      .nth(lassoed.length - 1)
      .waitFor();
    await gallery.locator('vscode-toolbar-button[data-action="file-symlink-directory"]').click();
    await gallery
      .locator('vscode-context-menu-item', { hasText: `Materialize the ${lassoed.length} Selected` })
      .click();
    await wb().pick(/^New folder sorted\/cc-curate$/);
    await wb().pick('Copies');
    await wb()
      .notification(new RegExp(`${lassoed.length} images? of the selection copied into .*sorted/cc-curate`))
      .waitFor({ timeout: 60_000 });
    await wb().shot('exported-imagefolder');

    const labels = JSON.parse(readFileSync(join(runDir, 'labels.json'), 'utf8')) as {
      names: Record<string, string>;
    };
    const id = Object.entries(labels.names).find(([, n]) => n === NAME)![0];
    const target = join(workspace, 'sorted', 'cc-curate');
    // One folder: the new cluster's, holding exactly the lassoed images (named by their flattened paths).
    assert.deepEqual(
      readdirSync(target).filter((f) => !f.startsWith('.')),
      [`${id.padStart(3, '0')} ${NAME}`],
    );
    assert.deepEqual(
      readdirSync(join(target, `${id.padStart(3, '0')} ${NAME}`)).sort(),
      lassoed.map((i) => paths()[i]!.split('/').join('__')).sort(),
    );
  });

  step(
    'more like this from a gallery tile: the image first, its nearest across clusters, a chip to go back',
    async () => {
      const gallery = await wb().webview('.chip:not([hidden])', 30_000, 'editor');
      await gallery.locator('.chip vscode-icon[name="close"]').click();
      await gallery.locator('.chip[hidden]').waitFor({ state: 'attached' });
      const tile = gallery.locator('.row.tiles .tile').first();
      const query = Number(await tile.getAttribute('data-i'));
      await tile.click({ button: 'right' });
      await gallery.locator('vscode-context-menu-item', { hasText: 'More Like This' }).click();
      const name = paths()[query]!.split('/').pop()!;
      await gallery.locator('.chip', { hasText: `24 like ${name}` }).waitFor({ timeout: 60_000 });
      assert.equal(await gallery.locator('.tile').count(), 25);
      assert.equal(
        Number(await gallery.locator('.row.tiles .tile').first().getAttribute('data-i')),
        query,
        'the image itself first',
      );
      assert.ok((await gallery.locator('.row.header').count()) > 1, 'across clusters');
      await wb().shot('more-like-this');
      await gallery.locator('.chip vscode-icon[name="close"]').click();
      await gallery.locator('.chip[hidden]').waitFor({ state: 'attached' });
    },
  );
});
