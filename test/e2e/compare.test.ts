// Compare Runs in a real VS Code (code-server): two finished runs (one epoch of CC on 20 images,
// 10 and 5 clusters) selected together in the Runs view open the comparison page, which shows
// both runs' rows and their agreement heatmap. Screenshots go to test-output/e2e-compare/.
import { strict as assert } from 'node:assert';
import { join, resolve } from 'node:path';
import { describe } from 'node:test';
import { e2eSession } from './session.js';
import { makeSampleWorkspace, trainTinyRun } from './workspace.js';

const SHOTS = resolve('test-output/e2e-compare');

describe('Compare Runs in VS Code', () => {
  const session = e2eSession('e2e-compare', SHOTS, (workspace, home) => {
    const data = makeSampleWorkspace(workspace, 2);
    for (const k of [10, 5]) trainTinyRun(data, join(workspace, '.clusterlab', 'runs', `cc-k${k}`), home, k);
  });
  const { step } = session;
  const wb = () => session.wb;

  step(
    'two runs selected in the Runs view open Compare Runs with both rows and the agreement heatmap',
    async () => {
      await wb().openSideBar('ClusterLab');
      const runs = wb().treeRow('Runs', /^CC · fashion · /);
      await runs.nth(1).waitFor({ timeout: 60_000 });
      await runs.nth(0).click();
      await runs.nth(1).click({ modifiers: ['Control'] });
      await wb().contextMenu(runs.nth(1), 'Compare Runs');
      const page = await wb().webview('.runs-table tbody tr', 60_000);
      const rows = await page.locator('.runs-table tbody tr').allTextContents();
      assert.equal(rows.length, 2);
      // Named as the Runs view names them, and apart (runs started in the same minute add their folder names).
      const names = await page.locator('.runs-table tbody tr td:first-child').allTextContents();
      assert.ok(
        names.every((n) => n.startsWith('CC · fashion · ')) && names[0] !== names[1],
        names.join(' / '),
      );
      // The only differing setting is the cluster count.
      assert.deepEqual((await page.locator('.runs-table th').allTextContents()).slice(0, 4), [
        'run',
        'method',
        'clusters',
        'confidence',
      ]);
      assert.equal(await page.locator('[data-kind="agreement"] rect.cell').count(), 4);
      await wb().shot('compare-runs');
    },
  );

  step(
    'the side-bar gallery keeps the run picked in it when the side bar is shown again and after a window reload, not the newest run (issue 30, friction)',
    async () => {
      const runs = join(session.workspace, '.clusterlab', 'runs');
      const sideBar = () => wb().webview('.run-picker', 120_000, 'sidebar');
      const shows = async (dir: string, clusters: number) => {
        const page = await sideBar();
        await page
          .locator('.toolbar .status', { hasText: new RegExp(`${clusters} clusters`) })
          .waitFor({ timeout: 60_000 });
        assert.equal(
          await page.locator('.run-picker').evaluate((el) => (el as HTMLElement & { value: string }).value),
          dir,
        );
      };
      // The user picks the K = 10 run in it (the newest finished run, which a new view shows, is K = 5).
      await (await sideBar()).locator('.run-picker').evaluate(
        (el: HTMLElement & { value: string }, dir) => {
          el.value = dir;
          el.dispatchEvent(new Event('change'));
        },
        join(runs, 'cc-k10'),
      );
      await shows(join(runs, 'cc-k10'), 10);
      // Another side bar shows, then this one again: VS Code unloads the view's page meanwhile.
      await wb().openSideBar('Explorer');
      await wb().openSideBar('ClusterLab');
      await shows(join(runs, 'cc-k10'), 10);
      // A window reload (as during a sweep): VS Code makes the view anew, with the state its page kept.
      await wb().command('Developer: Reload Window');
      await wb().ready();
      await wb().openSideBar('ClusterLab');
      await shows(join(runs, 'cc-k10'), 10);
      await wb().shot('side-bar-gallery-kept');
    },
  );
});
