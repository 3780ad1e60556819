// The Duplicates page in a real VS Code (code-server), on a run the trainer really made: Find
// Duplicates asks the trainer to hash the run's images and group them, the page shows the groups,
// and "keep one, exclude the rest" on a group puts the rest on the dataset's exclusion list and
// the group goes. Screenshots go to test-output/e2e-duplicates/.
import { strict as assert } from 'node:assert';
import { copyFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe } from 'node:test';
import { e2eSession } from './session.js';
import { makeSampleWorkspace, trainTinyRun } from './workspace.js';

const SHOTS = resolve('test-output/e2e-duplicates');

describe('the Duplicates page in VS Code', () => {
  let dataset = '';
  const session = e2eSession('e2e-duplicates', SHOTS, (workspace, home) => {
    dataset = makeSampleWorkspace(workspace, 4);
    // Two byte copies of one bag, made before training so the run lists them: a group to resolve.
    const bags = join(dataset, 'bags', readdirSync(join(dataset, 'bags'))[0]!);
    const [a, b, c] = readdirSync(bags).sort();
    for (const p of [b!, c!]) copyFileSync(join(bags, a!), join(bags, p));
    trainTinyRun(dataset, join(workspace, '.clusterlab', 'runs', 'cc-dups'), home);
  });
  const { step } = session;
  const wb = () => session.wb;
  const excluded = (): string[] => {
    const f = join(dataset, '.clusterlab-exclude.json');
    return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as { paths: string[] }).paths : [];
  };

  step('a duplicate group resolved', async () => {
    await wb().command('ClusterLab: Find Duplicates');
    const page = await wb().webview('.group .tile img[src]', 180_000);
    const group = page.locator('.group').first();
    const members = await group
      .locator('.tile')
      .evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.path!));
    assert.ok(members.length >= 2, JSON.stringify(members));
    await wb().shot('duplicates');
    await group.locator('vscode-button.keep-one').click();
    const deadline = Date.now() + 30_000;
    while (excluded().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(excluded(), members.slice(1).sort());
    await page.locator(`.tile[data-path="${members[1]}"]`).waitFor({ state: 'detached', timeout: 30_000 });
    assert.ok(
      members.every((m) => existsSync(join(dataset, m))),
      'the excluded files are still there',
    );
    await wb().shot('duplicate-group-resolved');
  });
});
