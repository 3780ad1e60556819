import { strict as assert } from 'node:assert';
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { readExclusions } from '../../src/common/exclusions.js';
import { runDuplicates } from '../../src/trainer/curate/duplicates.js';
import { makeDuplicateFolder } from '../trainer/curateImages.js';
import {
  browserSuite,
  makeHost,
  openPage,
  pageErrors,
  recordingUi,
  screenshot,
  type Suite,
} from './harness.js';

let t: Suite;

/** The dataset's exclusion list as on disk, sorted. */
const excludedOnDisk = async () => [...(await readExclusions(t.fx.dataRoot))].sort();
/** Each group drawn, as its members' paths in order. */
const groupsShown = (page: Page) =>
  page
    .locator('.group')
    .evaluateAll((els) =>
      els.map((g) => [...g.querySelectorAll<HTMLElement>('.tile')].map((x) => x.dataset.path!)),
    );

describe('the Duplicates page (Chromium)', () => {
  t = browserSuite('duplicates');

  it('shows groups with counts per threshold; keep one per group and for all, undone', async () => {
    // Three of the run's images made byte copies of the first (by path): one exact group.
    const [a, b, c] = [...t.fx.paths].sort();
    for (const p of [b!, c!]) copyFileSync(join(t.fx.dataRoot, a!), join(t.fx.dataRoot, p));
    const asked: string[] = [];
    const { ui, record } = recordingUi(t.ws);
    const host = makeHost(t.fx.runsDir, t.thumbDir, ui, undefined, undefined, (dir, by, threshold) => {
      asked.push(`${by} ${threshold}`);
      return runDuplicates(dir, by, threshold, join(t.ws, 'cache'));
    });
    const h = await openPage(t.browser, t.origin, 'duplicates', host.duplicates);
    const { page } = h;
    try {
      await page.locator('.group').first().waitFor();
      await h.idle();
      await screenshot(page, 'duplicates');
      assert.deepEqual(asked, ['hash 8']);
      // The counts at every threshold up to the one shown, that one marked.
      assert.deepEqual(
        await page
          .locator('.counts .count')
          .evaluateAll((els) => els.map((e) => e.getAttribute('data-threshold'))),
        ['0', '1', '2', '3', '4', '5', '6', '7', '8'],
      );
      assert.equal(await page.locator('.counts .count.current').getAttribute('data-threshold'), '8');
      const atEight = await groupsShown(page);
      const withA = atEight.find((g) => g.includes(a!));
      assert.ok(withA && withA[0] === a && withA.includes(b!) && withA.includes(c!), JSON.stringify(atEight));
      // Every group's first tile is marked first and kept; the rest say how far they are from it.
      assert.deepEqual(
        await page
          .locator('.group .tile:first-child .distance')
          .evaluateAll((els) => [...new Set(els.map((e) => e.textContent))]),
        ['first'],
      );
      for (const d of await page.locator('.group .tile:not(:first-child) .distance').allTextContents()) {
        const bits = Number(/^(\d+) bits$/.exec(d)?.[1]);
        assert.ok(bits <= 8, d);
      }

      // The slider's strictest threshold: only identical hashes.
      await h.act('group', () => page.locator('.counts .count[data-threshold="0"]').click());
      await page.locator('.counts .count.current[data-threshold="0"]').waitFor();
      await h.idle();
      assert.deepEqual(asked, ['hash 8', 'hash 0']);
      assert.equal(await page.locator('input.threshold').inputValue(), '0');
      // The counts of the looser thresholds computed before stay on show.
      assert.equal(await page.locator('.counts .count').count(), 9);
      for (const d of await page.locator('.group .tile:not(:first-child) .distance').allTextContents())
        assert.equal(d, '0 bits');
      const group = page.locator('.group', { has: page.locator(`.tile[data-path="${b}"]`) });
      assert.deepEqual((await groupsShown(page)).find((g) => g.includes(a!))?.slice(0, 3), [a, b, c]);

      // Keep b instead of the first, exclude the rest of its group: the group is resolved and goes.
      await group.locator(`.tile[data-path="${b}"] input[type=radio]`).check();
      assert.equal(await group.locator('.tile.kept').getAttribute('data-path'), b);
      const others = (await groupsShown(page)).find((g) => g.includes(b!))!.filter((p) => p !== b);
      await h.act('keepOne', () => group.locator('vscode-button.keep-one').click());
      assert.deepEqual(await excludedOnDisk(), [...others].sort());
      assert.equal(await page.locator(`.tile[data-path="${b}"]`).count(), 0);
      assert.ok(
        existsSync(join(t.fx.dataRoot, a!)) && existsSync(join(t.fx.dataRoot, c!)),
        'files untouched',
      );

      // Undo puts them back, and the group returns.
      await h.act('undo', () => page.locator('vscode-button.undo').click());
      assert.deepEqual(await excludedOnDisk(), []);
      assert.ok((await groupsShown(page)).some((g) => g.includes(a!) && g.includes(b!)));

      // Keep one of every group: each group's kept image stays, every other member is excluded.
      const before = await groupsShown(page);
      const kept = before.map((g) => (g.includes(b!) ? b! : g[0]!));
      const expected = before.flatMap((g, i) => g.filter((p) => p !== kept[i])).sort();
      await h.act('keepOne', () => page.locator('vscode-button.keep-all').click());
      assert.deepEqual(await excludedOnDisk(), expected);
      assert.equal(await page.locator('.group').count(), 0);
      assert.equal((await page.locator('.empty').textContent())?.trim(), 'No duplicates at this threshold.');
      await screenshot(page, 'duplicates-resolved');
      await h.act('undo', () => page.locator('vscode-button.undo').click());
      assert.deepEqual(await excludedOnDisk(), []);
      assert.equal((await groupsShown(page)).length, before.length);
      assert.deepEqual(record.errors, []);
      assert.deepEqual(pageErrors(page), []);
    } finally {
      await page.close();
      await host.sessions.dispose();
    }
  });

  it('a forged threshold or an image to keep also excluded is refused, nothing written', async () => {
    const { ui, record } = recordingUi(t.ws);
    const host = makeHost(t.fx.runsDir, t.thumbDir, ui, undefined, undefined, (dir, by, threshold) =>
      runDuplicates(dir, by, threshold, join(t.ws, 'cache')),
    );
    const h = await openPage(t.browser, t.origin, 'duplicates', host.duplicates);
    try {
      await h.page.locator('.counts').waitFor();
      await h.idle();
      const controller = host.duplicates({ post: () => undefined, asUri: (p) => p });
      await controller.handle({ type: 'ready' });
      await controller.handle({ type: 'group', by: 'hash', threshold: 40 });
      await controller.handle({
        type: 'keepOne',
        groups: [{ keep: t.fx.paths[0], exclude: [t.fx.paths[0]] }],
      });
      await controller.handle({
        type: 'keepOne',
        groups: [{ keep: t.fx.paths[0], exclude: ['../outside.png'] }],
      });
      assert.equal(record.errors.length, 3, record.errors.join('\n'));
      assert.match(record.errors[0]!, /no threshold 40 by hash/);
      assert.match(record.errors[1]!, /an image to keep was also to be excluded/);
      assert.deepEqual(await excludedOnDisk(), []);
      await controller.dispose();
    } finally {
      await h.page.close();
      await host.sessions.dispose();
    }
  });

  it('Choose Folder… shows an image folder with no run: in the picker, by hash only (said), keep one for all, undone', async () => {
    const folder = join(t.ws, 'photos');
    await makeDuplicateFolder(folder);
    const { ui, record } = recordingUi(t.ws, { folder });
    const host = makeHost(t.fx.runsDir, t.thumbDir, ui, undefined, undefined, (dir, by, threshold) =>
      runDuplicates(dir, by, threshold, join(t.ws, 'cache')),
    );
    const h = await openPage(t.browser, t.origin, 'duplicates', host.duplicates);
    const { page } = h;
    const picked = () => page.locator('.run-picker').evaluate((el) => (el as HTMLSelectElement).value);
    try {
      await page.locator('.counts').waitFor();
      await h.idle();
      assert.equal(await picked(), t.fx.runDir);
      await h.act('pickFolder', () => page.locator('vscode-button.pick-folder').click());
      await page.locator('.group .tile[data-path="b/one-copy.png"]').waitFor();
      await h.idle();
      assert.equal(await picked(), folder);
      assert.ok(
        (await page.locator('.run-picker vscode-option').allTextContents()).some((l) =>
          l.includes('photos (folder, no run)'),
        ),
      );
      assert.equal(await page.locator('select.by').count(), 0, 'no embeddings to compare by');
      assert.match(
        (await page.locator('.summary').textContent()) ?? '',
        /A folder with no run is compared by image hash; comparing by embeddings needs a trained run's features\.$/,
      );
      await screenshot(page, 'duplicates-folder');
      const shown = await groupsShown(page);
      await h.act('keepOne', () => page.locator('vscode-button.keep-all').click());
      assert.deepEqual([...(await readExclusions(folder))].sort(), shown.flatMap((g) => g.slice(1)).sort());
      assert.equal(await page.locator('.group').count(), 0);
      await h.act('undo', () => page.locator('vscode-button.undo').click());
      assert.deepEqual([...(await readExclusions(folder))], []);
      assert.equal((await groupsShown(page)).length, shown.length);
      // The run stays on offer beside the folder (switching back: test/unit/duplicatesFolder.test.ts).
      const offered = await page
        .locator('.run-picker vscode-option')
        .evaluateAll((os) => os.map((o) => (o as HTMLElement & { value: string }).value));
      assert.deepEqual(offered, [t.fx.runDir, folder]);
      assert.deepEqual(record.errors, []);
      assert.deepEqual(pageErrors(page), []);
    } finally {
      await page.close();
      await host.sessions.dispose();
    }
  });
});
