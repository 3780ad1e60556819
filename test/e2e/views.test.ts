// The gallery, confusion and charts pages in a real VS Code (code-server), on a run the trainer
// really made: what they show, a rename that survives a window reload, a heatmap click that
// narrows the gallery (also after a stale search), and the train wizard refusing broken folders
// at its first step. Screenshots go to test-output/e2e-views/.
import { strict as assert } from 'node:assert';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe } from 'node:test';
import { e2eSession } from './session.js';
import { makeSampleWorkspace, trainTinyRun } from './workspace.js';

const SHOTS = resolve('test-output/e2e-views');

describe('ClusterLab views in VS Code', () => {
  let runDir = '';
  const session = e2eSession('e2e-views', SHOTS, (workspace, home) => {
    const data = makeSampleWorkspace(workspace, 4);
    runDir = join(workspace, '.clusterlab', 'runs', 'cc-e2e');
    // A real run: one epoch of CC on the 40 images, as the command line makes it.
    trainTinyRun(data, runDir, home);
    // Folders a new user tried that cannot be trained: a text file named .png, one image, 1 real + 3 fake.
    const sample = join(data, 'bags', 'bag', readdirSync(join(data, 'bags', 'bag'))[0]!);
    for (const dir of ['text-only', 'one-image', 'mixed']) mkdirSync(join(workspace, dir));
    writeFileSync(join(workspace, 'text-only', 'fake.png'), 'not an image');
    copyFileSync(sample, join(workspace, 'one-image', 'a.png'));
    copyFileSync(sample, join(workspace, 'mixed', 'real.png'));
    for (const n of ['f1.png', 'f2.png', 'f3.png']) writeFileSync(join(workspace, 'mixed', n), 'text');
  });
  const { step } = session;
  const wb = () => session.wb;

  step('the gallery shows the trained run with thumbnails', async () => {
    await wb().command('ClusterLab: Open Cluster Gallery');
    const g = await wb().webview('.row.header', 60_000);
    assert.equal(await g.locator('.row.header').count(), 10);
    assert.equal(await g.locator('.tile').count(), 40);
    await g.waitForFunction(() => document.querySelectorAll('.tile img[src]').length === 40, undefined, {
      timeout: 30_000,
    });
    await wb().shot('gallery');
  });

  step('a cluster renamed in place keeps its name after a window reload', async () => {
    let g = await wb().webview('.row.header');
    await g.locator('.row.header .name').first().click();
    await g.locator('.row.header vscode-textfield input').fill('renamed in VS Code');
    await wb().page.keyboard.press('Enter');
    await g.locator('.row.header .name', { hasText: 'renamed in VS Code' }).waitFor();
    assert.ok(
      Object.values(JSON.parse(readFileSync(join(runDir, 'labels.json'), 'utf8')).names).includes(
        'renamed in VS Code',
      ),
    );
    await wb().reload();
    await wb().command('ClusterLab: Open Cluster Gallery');
    g = await wb().webview('.row.header', 60_000);
    await g.locator('.row.header .name', { hasText: 'renamed in VS Code' }).waitFor();
    await wb().shot('gallery-after-reload');
  });

  step('the confusion page scores the run; a cell click narrows the gallery', async () => {
    await wb().command('ClusterLab: Show Super-class Confusion');
    const c = await wb().webview('rect.cell', 60_000);
    assert.match((await c.locator('.scores').first().textContent()) ?? '', /ACC \d/);
    await wb().shot('confusion');
    await c.locator('rect.cell.matched').first().click();
    const g = await wb().webview('.chip:not([hidden])', 30_000);
    assert.match((await g.locator('.chip').textContent()) ?? '', / × /);
    await wb().shot('gallery-from-cell');
  });

  step("a heatmap click after a stale file-name search shows exactly the cell's images", async () => {
    await wb().command('ClusterLab: Open Cluster Gallery');
    let g = await wb().webview('.row.header');
    await g
      .locator('.chip vscode-icon[name="close"]')
      .click()
      .catch(() => undefined);
    await g.locator('vscode-textfield.search input').fill('no-file-is-named-like-this');
    await g.locator('.empty-hint:not([hidden])').waitFor();
    await wb().shot('gallery-stale-search');
    await wb().command('ClusterLab: Show Super-class Confusion');
    const c = await wb().webview('rect.cell');
    const cell = c.locator('rect.cell.matched').first();
    const expected = Number(/: (\d+) of/.exec((await cell.locator('title').textContent()) ?? '')?.[1]);
    await cell.click();
    g = await wb().webview('.chip:not([hidden])', 30_000);
    await g.locator('.tile').first().waitFor();
    assert.equal(await g.locator('.tile').count(), expected);
    assert.equal(
      await g.locator('vscode-textfield.search').evaluate((el: HTMLElement & { value: string }) => el.value),
      '',
    );
    await wb().shot('gallery-from-cell-after-search');
  });

  step(
    'the train wizard lists only folders it would train: not a text file named .png, a one-image folder, or one with a single decodable image',
    async () => {
      await wb().command('ClusterLab: Train Clustering');
      const stepOne = wb().quickInput().getByText('Train Clustering (1/4): dataset');
      await stepOne.waitFor();
      // The usable dataset is listed, so the list is drawn; the three broken folders are not in it.
      await wb()
        .quickPickItem(/^\S*\s*fashion$/)
        .waitFor({ timeout: 30_000 });
      for (const folder of ['text-only', 'one-image', 'mixed'])
        assert.equal(
          await wb()
            .quickPickItem(new RegExp(`^\\S*\\s*${folder}$`))
            .count(),
          0,
          `${folder} is not offered`,
        );
      await wb().shot('wizard-step-1');
      await wb().page.keyboard.press('Escape');
    },
  );

  step('an image added to the dataset is assigned by the trained model and shown as new', async () => {
    const data = join(session.workspace, 'fashion');
    copyFileSync(
      join(data, 'footwear', 'sneaker', readdirSync(join(data, 'footwear', 'sneaker'))[0]!),
      join(data, 'footwear', 'sneaker', 'added-later.png'),
    );
    await wb().command('ClusterLab: Open Cluster Gallery');
    const g = await wb().webview('.row.header');
    await g
      .locator('.chip vscode-icon[name="close"]')
      .click()
      .catch(() => undefined);
    await g.locator('.tile vscode-badge.new').waitFor({ timeout: 120_000 });
    assert.match((await g.locator('.status').textContent()) ?? '', /41 images.*1 new/);
    await wb().shot('gallery-new-image');
  });

  step('the charts page draws the run’s metrics', async () => {
    await wb().command('ClusterLab: Show Training Charts');
    const ch = await wb().webview('figure.chart-box', 60_000);
    assert.ok((await ch.locator('figure.chart-box').count()) >= 3);
    await wb().shot('charts');
    // The side bar's own gallery view, as a narrow panel.
    await wb().page.locator('.activitybar [aria-label="ClusterLab"]').first().click();
    await wb().webview('.row.header', 60_000);
    await wb().shot('side-bar');
  });
});
