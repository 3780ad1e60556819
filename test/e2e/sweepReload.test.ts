// Window reloads during a sweep (issue 30, bug 1): a 2-run grid of tiny runs, reloaded at several
// points — as the first run starts, after its first checkpoint, as the second starts (its trainer
// held alive past the reload, then killed), and twice in a row — finishes every run without
// "Run all" again: no run is dropped as "training in another process" while the old window's
// trainer is still on its way out, and none is trained twice. Then the Gallery and Charts tabs of the first run come back after a reload, on
// that run (bug 4). Screenshots go to test-output/e2e-sweep-reload/.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe } from 'node:test';
import { e2eSession } from './session.js';
import { makeSampleWorkspace } from './workspace.js';

const SHOTS = resolve('test-output/e2e-sweep-reload');
const FILE = 'reload.clusterlab.yaml';
/** 10 images of each of the sample's 10 classes at 16 px: an epoch takes about a second. */
const EXPERIMENT = `name: reload-sweep
data: fashion
imageSize: 16
color: grayscale
clusters: 10
epochs: 6
batch: 20
grid:
  methods: [cc]
  seeds: [1, 2]
`;
const TIMEOUT = 5 * 60_000;

interface RunJson {
  status: string;
  epoch: number;
  startedAt: string;
}

describe('Window reloads during a sweep', () => {
  const session = e2eSession('e2e-sweep-reload', SHOTS, (workspace) => {
    makeSampleWorkspace(workspace, 10);
    writeFileSync(join(workspace, FILE), EXPERIMENT);
  });
  const { step } = session;
  const wb = () => session.wb;
  const runsDir = () => join(session.workspace, '.clusterlab', 'runs');
  const runJson = (entry: string): RunJson | undefined => {
    try {
      return JSON.parse(
        readFileSync(join(runsDir(), `reload-sweep-${entry}`, 'run.json'), 'utf8'),
      ) as RunJson;
    } catch {
      return undefined; // not started, or between two atomic writes
    }
  };
  const lockOf = (entry: string) => join(runsDir(), `reload-sweep-${entry}`, 'trainer.lock');
  const until = async (what: string, ok: () => boolean) => {
    const deadline = Date.now() + TIMEOUT;
    while (!ok()) {
      assert.ok(Date.now() < deadline, `never: ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const reload = async (shot: string) => {
    await wb().shot(shot);
    await wb().command('Developer: Reload Window');
    await wb().ready();
  };
  let firstStarted = '';

  step('"Run all (2 runs)" starts the sweep; reloaded as its first run starts', async () => {
    await wb().page.keyboard.press('Control+P');
    await wb().quickInput().locator('.quick-input-box input').fill(FILE);
    await wb().pick(FILE);
    const lens = wb().page.locator('.codelens-decoration a', { hasText: 'Run all (2 runs)' });
    await lens.waitFor({ timeout: 60_000 });
    await lens.click();
    await until('cc-s1 starts', () => runJson('cc-s1')?.status === 'running');
    firstStarted = runJson('cc-s1')!.startedAt;
    await reload('first-run-starting');
  });

  step('reloaded again after the first run has a checkpoint', async () => {
    await until('cc-s1 resumes and passes epoch 2', () => {
      const r = runJson('cc-s1');
      // Right after the reload it says cancelled (the old trainer's last word) until the sweep resumes it.
      return r !== undefined && (r.status === 'done' || (r.status === 'running' && r.epoch >= 2));
    });
    assert.equal(
      runJson('cc-s1')!.status,
      'running',
      'the first run ended before the second reload: make its runs longer',
    );
    await reload('first-run-epoch-2');
  });

  step('reloaded as the second run starts while its trainer is slow to go, and at once again', async () => {
    await until('cc-s2 starts', () => runJson('cc-s2')?.status === 'running' && existsSync(lockOf('cc-s2')));
    assert.equal(runJson('cc-s1')!.status, 'done');
    assert.equal(runJson('cc-s1')!.startedAt, firstStarted, 'the first run was resumed, not trained anew');
    // The old window's trainer, held still (as one busy in a long step is), outlives the reload:
    // the new window's sweep finds its lock held by a live process. It dies only after that sweep
    // has looked (the queue file is rewritten when a sweep starts), leaving its lock behind.
    const old = (JSON.parse(readFileSync(lockOf('cc-s2'), 'utf8')) as { pid: number }).pid;
    const queueWritten = () => readFileSync(join(runsDir(), 'reload-sweep.queue.json'), 'utf8');
    const before = queueWritten();
    process.kill(old, 'SIGSTOP');
    try {
      await reload('second-run-starting');
      await until('the new window continues the sweep', () => queueWritten() !== before);
    } finally {
      process.kill(old, 'SIGKILL');
    }
    await reload('right-after-a-reload');
  });

  step('the sweep finishes both runs by itself; the Runs view says 2/2 done', async () => {
    await wb().openSideBar('ClusterLab');
    const group = wb().treeRow('Runs', 'reload-sweep');
    await group.locator('.label-description', { hasText: /^2\/2 done$/ }).waitFor({ timeout: TIMEOUT });
    await wb().shot('sweep-finished');
    const queue = JSON.parse(readFileSync(join(runsDir(), 'reload-sweep.queue.json'), 'utf8')) as {
      state: string;
    };
    assert.equal(queue.state, 'finished');
    for (const entry of ['cc-s1', 'cc-s2']) {
      assert.equal(runJson(entry)!.status, 'done', entry);
      assert.equal(runJson(entry)!.epoch, 6, entry);
      assert.ok(!existsSync(lockOf(entry)), `${entry}: the lock went with its trainer`);
    }
    assert.equal(runJson('cc-s1')!.startedAt, firstStarted, 'no run was trained twice');
  });

  step('the gallery and charts tabs of a run come back after a reload, on that run', async () => {
    const row = wb().treeRow('Runs', 'cc-s1');
    await wb().contextMenu(row, 'Open Cluster Gallery');
    await wb().tab('Cluster Gallery').waitFor({ timeout: 30_000 });
    await wb().contextMenu(row, 'Show Training Charts');
    await wb().tab('Training Charts').waitFor({ timeout: 30_000 });
    const pickedRun = async (part: 'editor') => {
      const frame = await wb().webview('.run-picker', 60_000, part);
      await frame.waitForFunction(
        () =>
          (document.querySelector('.run-picker') as HTMLSelectElement | null)?.value.endsWith(
            'reload-sweep-cc-s1',
          ),
        undefined,
        { timeout: 60_000 },
      );
    };
    await pickedRun('editor');
    await reload('tabs-before-reload');
    await wb().tab('Cluster Gallery').waitFor({ timeout: 60_000 });
    await wb().tab('Training Charts').waitFor({ timeout: 60_000 });
    // code-server now and then leaves a restored webview's frame empty (2 reloads in about 15 here,
    // with the extension's page never loaded in it; VS Code's "webview blank after a reload").
    // Reloading the webviews, as a user would, loads the page again from the same restored
    // controller, so the run it shows is still the one the restore chose.
    const restored = await wb()
      .webview('.run-picker', 30_000, 'editor')
      .then(() => true)
      .catch(() => false);
    if (!restored) {
      console.log('# the restored Training Charts webview stayed empty for 30 s: Developer: Reload Webviews');
      await wb().shot('charts-restored-empty');
      await wb().command('Developer: Reload Webviews');
    }
    await pickedRun('editor');
    await wb().tab('Cluster Gallery').click();
    await (await wb().webview('.scroller .tile', 60_000, 'editor')).locator('.run-picker').waitFor();
    await pickedRun('editor');
    await wb().shot('tabs-restored');
  });
});
