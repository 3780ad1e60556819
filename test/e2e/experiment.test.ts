// An experiment file in a real VS Code (code-server): the sample's fashion.clusterlab.yaml is
// checked as it is typed (a misspelt setting gets a diagnostic, fixing it clears it), its "Run
// all" lens trains the 3-run sweep, a window reload in the middle of it, and the queue finishing
// afterwards without training a finished run again. Screenshots go to test-output/e2e-experiment/.
import { strict as assert } from 'node:assert';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe } from 'node:test';
import { e2eSession } from './session.js';
import { makeSampleWorkspace } from './workspace.js';

const SHOTS = resolve('test-output/e2e-experiment');
const FILE = 'fashion.clusterlab.yaml';
/** 20 images of each of the sample's 10 classes: each 6-epoch run trains in seconds. */
const PER_CLASS = 20;
const TIMEOUT = 10 * 60_000;
const RUNS = ['cc-s1', 'cc-s2', 'cc-s3'];

describe('An experiment file in VS Code', () => {
  const session = e2eSession('e2e-experiment', SHOTS, (workspace) => {
    makeSampleWorkspace(workspace, PER_CLASS);
    copyFileSync(resolve('sample', FILE), join(workspace, FILE));
  });
  const { step } = session;
  const wb = () => session.wb;
  const runDir = (entry: string) => join(session.workspace, '.clusterlab', 'runs', `fashion-sweep-${entry}`);
  const runJson = (entry: string) =>
    JSON.parse(readFileSync(join(runDir(entry), 'run.json'), 'utf8')) as {
      status: string;
      startedAt: string;
      experiment?: { file: string; entry: string };
    };
  const problems = () => wb().page.locator('.markers-panel .monaco-list-row');
  let firstStarted = '';

  step(
    'a misspelt setting gets a diagnostic naming the nearest setting, and fixing it clears it',
    async () => {
      await wb().page.keyboard.press('Control+P');
      await wb().quickInput().locator('.quick-input-box input').fill(FILE);
      await wb().pick(FILE);
      const editor = wb().page.locator('.editor-instance .monaco-editor').first();
      await editor.locator('.view-lines', { hasText: 'cropMin' }).waitFor({ timeout: 30_000 });
      // The cursor to "cropM|in" (line 14 of the sample), then the "i" deleted: "cropMn".
      const line =
        readFileSync(join(session.workspace, FILE), 'utf8')
          .split('\n')
          .findIndex((l) => l.includes('cropMin')) + 1;
      await wb().page.keyboard.press('Control+G');
      await wb().quickInput().locator('.quick-input-box input').fill(`:${line}:10`);
      await wb().page.keyboard.press('Enter');
      await wb().page.keyboard.press('Delete');
      await editor.locator('.squiggly-error').first().waitFor({ timeout: 60_000 });
      await wb().page.keyboard.press('Control+Shift+M');
      await problems()
        .filter({ hasText: "unknown setting 'cropMn' for cc; did you mean 'cropMin'?" })
        .waitFor({ timeout: 30_000 });
      await wb().shot('misspelt-setting-diagnostic');
      await editor.click({ position: { x: 300, y: 100 } }).catch(() => undefined);
      await wb().page.keyboard.press('Control+Z');
      await editor.locator('.squiggly-error').first().waitFor({ state: 'detached', timeout: 30_000 });
      await problems().filter({ hasText: 'cropMn' }).waitFor({ state: 'detached', timeout: 30_000 });
      await wb().page.keyboard.press('Control+S');
      await wb().shot('fixed');
    },
  );

  step('"Run all (3 runs)" above the file starts the sweep; the Runs view groups its runs', async () => {
    const lens = wb().page.locator('.codelens-decoration a', { hasText: 'Run all (3 runs)' });
    await lens.waitFor({ timeout: 30_000 });
    await lens.click();
    await wb().openSideBar('ClusterLab');
    await wb().treeRow('Runs', 'fashion-sweep').waitFor({ timeout: 60_000 });
    // Reloaded while the second run trains: the first is done, the third not started.
    const deadline = Date.now() + TIMEOUT;
    while (!existsSync(join(runDir('cc-s2'), 'run.json'))) {
      assert.ok(Date.now() < deadline, 'the sweep never reached its second run');
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(runJson('cc-s1').status, 'done');
    assert.equal(existsSync(runDir('cc-s3')), false);
    firstStarted = runJson('cc-s1').startedAt;
    await wb().shot('sweep-running');
  });

  step(
    'a window reload in the middle of the sweep: it continues and finishes, no run trained twice',
    async () => {
      await wb().command('Developer: Reload Window');
      await wb().ready();
      await wb().openSideBar('ClusterLab');
      const group = wb().treeRow('Runs', 'fashion-sweep');
      await group.locator('.label-description', { hasText: /^3\/3 done$/ }).waitFor({ timeout: TIMEOUT });
      await wb().shot('sweep-finished');
      const queue = JSON.parse(
        readFileSync(join(session.workspace, '.clusterlab', 'runs', 'fashion-sweep.queue.json'), 'utf8'),
      ) as { state: string };
      assert.equal(queue.state, 'finished');
      for (const entry of RUNS) {
        const run = runJson(entry);
        assert.equal(run.status, 'done', entry);
        assert.deepEqual(run.experiment, { file: join(session.workspace, FILE), entry });
      }
      assert.equal(
        runJson('cc-s1').startedAt,
        firstStarted,
        'the run finished before the reload was not trained again',
      );
    },
  );
});
