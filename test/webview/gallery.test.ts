import { strict as assert } from 'node:assert';
import { copyFileSync, mkdtempSync, readFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { GalleryController } from '../../src/extension/views/galleryController.js';
import { makeFixtureRun } from './fixtureRun.js';
import {
  browserSuite,
  makeHost,
  openPage,
  pageErrors,
  recordingUi,
  screenshot,
  type PageHarness,
  type Suite,
  type UiRecord,
} from './harness.js';

let t: Suite;

const labelsJson = () => JSON.parse(readFileSync(join(t.fx.runDir, 'labels.json'), 'utf8'));
const headerNames = (page: Page) => page.locator('.row.header .name').allTextContents();

/** A gallery page on a fresh host (sessions, labels store), as after a window reload. */
async function openGallery(): Promise<{
  h: PageHarness;
  record: UiRecord;
  controller: GalleryController;
  close(): Promise<void>;
}> {
  const { ui, record } = recordingUi(t.ws);
  const host = makeHost(t.fx.runsDir, t.thumbDir, ui);
  let controller!: GalleryController;
  const h = await openPage(t.browser, t.origin, 'gallery', (port) => (controller = host.gallery(port)));
  await h.page.locator('.row.header').first().waitFor();
  await h.idle();
  return {
    h,
    record,
    controller,
    close: async () => {
      await h.page.close();
      await controller.dispose();
      await host.sessions.dispose();
    },
  };
}

describe('gallery page in Chromium', () => {
  t = browserSuite('gallery');

  it('renders the run: a section per cluster with stats, thumbnails made by sharp, no CSP errors', async () => {
    const g = await openGallery();
    const { page } = g.h;
    assert.equal(await page.locator('.row.header').count(), 10);
    assert.equal(await page.locator('.tile').count(), 40);
    assert.match(
      (await page.locator('.row.header').first().textContent()) ?? '',
      /Cluster 0.*4 images.*purity 75\.0% \(ankle_boot\)/,
    );
    await page.waitForFunction(() => document.querySelectorAll('.tile img[src]').length === 40);
    assert.ok(
      await page
        .locator('.tile img')
        .first()
        .evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0),
      'thumbnail decoded',
    );
    assert.match((await page.locator('.status').textContent()) ?? '', /40 images · 10 clusters/);
    await screenshot(page, 'gallery');
    assert.deepEqual(pageErrors(page), []);

    // Click opens the image in the editor; the host gets its absolute path.
    await g.h.act('open', () => page.locator('.tile').first().click());
    assert.equal(g.record.opened.length, 1);
    // The keyboard does the same: Space selects, Enter opens.
    await page.locator('.tile').nth(1).focus();
    await page.keyboard.press(' ');
    assert.equal(await page.locator('.tile.selected').count(), 1);
    assert.match((await page.locator('.selection').textContent()) ?? '', /1 selected/);
    await g.h.act('open', () => page.keyboard.press('Enter'));
    assert.equal(g.record.opened.length, 2);
    assert.ok(g.record.opened[0]!.startsWith(t.fx.dataRoot));
    await g.close();
  });

  it('renames a cluster in place, moves an image, undoes and redoes; labels.json survives a reload', async () => {
    const g = await openGallery();
    const { page } = g.h;
    await page.locator('.row.header[data-cluster="0"] .name').click();
    await page.locator('.row.header vscode-textfield input').fill('boots');
    await g.h.act('rename', () => page.keyboard.press('Enter'));
    assert.equal(labelsJson().names['0'], 'boots');
    assert.equal((await headerNames(page))[0], 'boots');

    // Right-click the first image of cluster 0, move it to cluster 2 through the menus.
    const tile = page.locator('.row.tiles').first().locator('.tile').first();
    const path = t.fx.paths[await tile.evaluate((el) => Number((el as HTMLElement).dataset.i))]!;
    await tile.click({ button: 'right' });
    await page.locator('vscode-context-menu-item', { hasText: 'Move to Cluster' }).click();
    await g.h.act('move', () =>
      page.locator('vscode-context-menu-item', { hasText: 'Cluster 2 (4)' }).click(),
    );
    assert.equal(labelsJson().moves[path], 2);
    assert.match((await page.locator('.row.header[data-cluster="2"]').textContent()) ?? '', /5 images/);
    assert.equal(await page.locator('.tile.moved').count(), 1);
    // The orange dot says what it means (issue 30, friction).
    assert.match(
      (await page.locator('.tile.moved').getAttribute('title')) ?? '',
      /orange dot: you moved it into this cluster/,
    );
    await screenshot(page, 'gallery-after-move');

    await page.locator('.scroller').click({ position: { x: 600, y: 5 } });
    await g.h.act('undo', () => page.keyboard.press('Control+z'));
    assert.deepEqual(labelsJson().moves, {});
    await g.h.act('redo', () => page.keyboard.press('Control+Shift+z'));
    assert.equal(labelsJson().moves[path], 2);
    await g.close();

    const again = await openGallery();
    assert.equal((await headerNames(again.h.page))[0], 'boots');
    assert.match(
      (await again.h.page.locator('.row.header[data-cluster="2"]').textContent()) ?? '',
      /5 images/,
    );
    await again.close();
  });

  it('merges clusters, shows top-confidence mode, and narrows to a heatmap cell', async () => {
    const g = await openGallery();
    const { page } = g.h;
    await page.locator('.row.header[data-cluster="9"] [data-action="merge"]').click();
    await g.h.act('merge', () =>
      page.locator('vscode-context-menu-item', { hasText: 'into Cluster 8' }).click(),
    );
    assert.deepEqual(labelsJson().merges, [{ from: 9, into: 8 }]);
    assert.equal(await page.locator('.row.header').count(), 9);

    await page
      .locator('vscode-single-select[aria-label="View"]')
      .evaluate((el: HTMLElement & { value: string }) => {
        el.value = 'top';
        el.dispatchEvent(new Event('change'));
      });
    await page.locator('.row.top').first().waitFor();
    assert.equal(await page.locator('.row.top').count(), 9);
    await screenshot(page, 'gallery-top-confidence');

    await g.controller.applyFilter(t.fx.runDir, {
      type: 'filter',
      cluster: 1,
      classIndex: t.fx.classes.indexOf('bag'),
    });
    await g.h.idle();
    assert.equal(await page.locator('.row.header').count(), 1);
    assert.equal(await page.locator('.tile').count(), 3);
    assert.match((await page.locator('.chip').textContent()) ?? '', /Cluster 1 × bag/);
    await g.close();
  });

  it('narrows to a heatmap cell clicked while the page was unloaded, once the page loads again', async () => {
    const g = await openGallery();
    const { page } = g.h;
    g.controller.pageUnloaded(); // a hidden gallery tab: VS Code does not keep its page
    await g.controller.applyFilter(t.fx.runDir, {
      type: 'filter',
      cluster: 1,
      classIndex: t.fx.classes.indexOf('bag'),
    });
    await g.h.idle();
    await g.h.act('ready', () => page.reload());
    assert.match((await page.locator('.chip').textContent()) ?? '', /Cluster 1 × bag/);
    assert.equal(await page.locator('.row.header').count(), 1);
    await g.close();
  });

  it('a heatmap cell after a stale search shows exactly its images; an empty result says which filter hides them', async () => {
    const g = await openGallery();
    const { page } = g.h;
    await page.locator('vscode-textfield.search input').fill('nothing-matches-this');
    await page.locator('.empty-hint').waitFor();
    assert.match(
      (await page.locator('.empty-hint').textContent()) ?? '',
      /search “nothing-matches-this” hides all 40 images/,
    );
    await screenshot(page, 'gallery-empty-hint');
    await g.controller.applyFilter(t.fx.runDir, {
      type: 'filter',
      cluster: 1,
      classIndex: t.fx.classes.indexOf('bag'),
    });
    await g.h.idle();
    assert.equal(await page.locator('.tile').count(), 3);
    assert.equal(
      await page
        .locator('vscode-textfield.search')
        .evaluate((el: HTMLElement & { value: string }) => el.value),
      '',
    );
    assert.ok(await page.locator('.empty-hint').isHidden());
    await g.close();
  });

  it('layout: whole tiles at any width, menus on screen, top-confidence labels unclipped', async () => {
    // Twelve images a cluster, so a row fills the width.
    const fx = makeFixtureRun(mkdtempSync(join(tmpdir(), 'clusterlab-wide-')), 12);
    const { ui } = recordingUi(fx.workspace);
    const host = makeHost(fx.runsDir, t.thumbDir, ui);
    // 676 px: room for 8 tiles only without the row's padding.
    const h = await openPage(t.browser, t.origin, 'gallery', host.gallery, { width: 676, height: 700 });
    const { page } = h;
    await page.locator('.row.header').first().waitFor();
    await h.idle();
    const overhang = await page.evaluate(() => {
      const scroller = document.querySelector('.scroller')!;
      const right = scroller.getBoundingClientRect().left + scroller.clientWidth;
      return (
        Math.max(...[...document.querySelectorAll('.tile')].map((e) => e.getBoundingClientRect().right)) -
        right
      );
    });
    assert.ok(overhang <= -8, `the last tile keeps the row's 8 px padding (overhang ${overhang})`);
    await page.setViewportSize({ width: 340, height: 700 });
    await page.locator('.row.header[data-cluster="0"] [data-action="merge"]').click();
    // The menu settles where it fits within a frame or two of opening.
    const inside = () =>
      page.locator('vscode-context-menu.popup-menu').evaluate((m) => {
        const b = m.getBoundingClientRect();
        return b.width > 0 && b.left >= 0 && b.right <= window.innerWidth;
      });
    await page.waitForFunction(
      () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))),
    );
    assert.ok(
      await inside(),
      `menu within the page: ${JSON.stringify(await page.locator('vscode-context-menu.popup-menu').boundingBox())}`,
    );
    await screenshot(page, 'gallery-narrow-merge-menu');
    await page.keyboard.press('Escape');
    await page.setViewportSize({ width: 900, height: 700 });
    await page
      .locator('vscode-single-select[aria-label="View"]')
      .evaluate((el: HTMLElement & { value: string }) => {
        el.value = 'top';
        el.dispatchEvent(new Event('change'));
      });
    await page.locator('.row.top').first().waitFor();
    const clipped = await page
      .locator('.top-label .stats')
      .evaluateAll((els) =>
        els
          .filter((e) => e.scrollWidth > e.clientWidth || e.scrollHeight > e.clientHeight)
          .map((e) => e.textContent),
      );
    assert.deepEqual(clipped, []);
    await page.close();
    await host.sessions.dispose();
  });

  it('small text: one image is "1 image"; an empty gallery names the Train Clustering command', async () => {
    const g = await openGallery();
    const { page } = g.h;
    // Three of cluster 0's four images go to cluster 2: one is left.
    const inZero = await page
      .locator('.row.tiles')
      .first()
      .locator('.tile')
      .evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.i)));
    await g.controller.handle({ type: 'move', paths: inZero.slice(1).map((i) => t.fx.paths[i]!), to: 2 });
    await g.h.idle();
    assert.match(
      (await page.locator('.row.header[data-cluster="0"] .stats').textContent()) ?? '',
      /^1 image · /,
    );
    await g.h.act('undo', () => page.keyboard.press('Control+z'));
    await g.close();

    const empty = mkdtempSync(join(tmpdir(), 'clusterlab-no-runs-'));
    const { ui } = recordingUi(empty);
    const host = makeHost(empty, t.thumbDir, ui);
    const h = await openPage(t.browser, t.origin, 'gallery', host.gallery);
    await h.page.locator('.banner:not([hidden])').first().waitFor();
    assert.match(
      (await h.page.locator('.banner:not([hidden])').first().textContent()) ?? '',
      /ClusterLab: Train Clustering/,
    );
    await h.page.close();
    await host.sessions.dispose();
  });

  it('refuses malformed messages and files the run does not list', async () => {
    const g = await openGallery();
    await g.controller.handle({ type: 'open', path: '../../../etc/passwd' });
    await g.controller.handle({ type: 'rename', cluster: -1, name: 'x' });
    await g.controller.handle({ type: 'nonsense' });
    // Well-formed, but naming a cluster the page never showed: forged.
    await g.controller.handle({ type: 'rename', cluster: 999_999_999, name: 'x' });
    await g.controller.handle({ type: 'move', paths: [t.fx.paths[0]], to: 123 });
    assert.deepEqual(g.record.opened, []);
    assert.match(g.record.errors.join('\n'), /not an image of this run/);
    assert.match(
      g.record.errors.join('\n'),
      /no cluster 999999999 in this run[^]*no cluster 123 in this run/,
    );
    assert.equal(g.record.log.filter((l) => /refused a malformed message/.test(l)).length, 2);
    await g.close();
  });

  it('assigns images added to the dataset live and drops deleted ones', async () => {
    const { ui } = recordingUi(t.ws);
    const calls: string[][] = [];
    const host = makeHost(t.fx.runsDir, t.thumbDir, ui, async (_dir, files) => {
      calls.push(files);
      return files.map((path) => ({ path, cluster: 3, confidence: 0.5 }));
    });
    const h = await openPage(t.browser, t.origin, 'gallery', host.gallery);
    await h.page.locator('.row.header').first().waitFor();
    const added = join(t.fx.dataRoot, 'dresses', 'dress', 'added.png');
    copyFileSync(join(t.fx.dataRoot, t.fx.paths[0]!), added);
    unlinkSync(join(t.fx.dataRoot, t.fx.paths[1]!));
    await h.page.locator('.tile vscode-badge.new').waitFor({ timeout: 10_000 });
    await h.page.waitForFunction(() =>
      /40 images.*1 new/.test(document.querySelector('.status')?.textContent ?? ''),
    );
    assert.deepEqual(calls, [[added]]);
    await screenshot(h.page, 'gallery-live');
    await h.page.close();
    await host.sessions.dispose();
  });
});
