import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { HostUi } from '../../src/extension/views/webviewPage.js';
import { writeClassFeatures, writeFixtureLayout } from './fixtureRun.js';
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

const excludeFile = () => join(t.fx.dataRoot, '.clusterlab-exclude.json');
const excludedOnDisk = (): string[] =>
  existsSync(excludeFile()) ? JSON.parse(readFileSync(excludeFile(), 'utf8')).paths : [];
const tileIndices = (page: Page, selector: string) =>
  page.locator(selector).evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.i)));

/** A gallery whose quick picks answer in turn from `picks`, and whose info messages are kept. */
async function openGallery(picks: string[] = [], folder?: string) {
  const { ui, record } = recordingUi(t.ws, folder ? { folder } : {});
  const infos: string[] = [];
  const answering: HostUi = {
    ...ui,
    pickOne: async <T extends string>(_: string, options: { value: T }[]) => {
      const want = picks.shift();
      return options.find((o) => o.value === want)?.value;
    },
    info: (m) => void infos.push(m),
  };
  const host = makeHost(t.fx.runsDir, t.thumbDir, answering);
  const h = await openPage(t.browser, t.origin, 'gallery', host.gallery);
  await h.page.locator('.row.header').first().waitFor();
  await h.idle();
  return {
    h,
    page: h.page,
    record,
    infos,
    close: async () => {
      await h.page.close();
      await host.sessions.dispose();
    },
  };
}

describe('curating in the gallery (Chromium)', () => {
  t = browserSuite('curate');

  it('select all in a cluster, the count always shown, exclude from the dataset and undo it; files never touched', async () => {
    const g = await openGallery();
    const { page } = g;
    // The count is there before anything is selected.
    assert.equal((await page.locator('.selection').textContent())?.trim(), 'None selected');
    assert.ok(await page.locator('.selection').isVisible());
    await page.locator('.row.header[data-cluster="3"] [data-action="select-all"]').click();
    const inThree = await tileIndices(page, '.tile.selected');
    assert.equal(inThree.length, 4);
    assert.match((await page.locator('.selection').textContent()) ?? '', /^4 selected/);

    await g.h.act('exclude', () => page.locator('.selection vscode-button.exclude').click());
    const chosen = inThree.map((i) => t.fx.paths[i]!).sort();
    assert.deepEqual(excludedOnDisk(), chosen);
    assert.deepEqual((await tileIndices(page, '.tile.excluded')).sort(), [...inThree].sort());
    assert.match((await page.locator('.status').textContent()) ?? '', /40 images · 10 clusters · 4 excluded/);
    assert.match(
      (await page.locator('.tile.excluded').first().getAttribute('title')) ?? '',
      /excluded from the dataset/,
    );
    // All of the selection is excluded now: the same button takes it back.
    assert.equal(
      (await page.locator('.selection vscode-button.exclude').textContent())?.trim(),
      'Include Again',
    );
    await screenshot(page, 'gallery-excluded');
    for (const p of chosen) assert.ok(existsSync(join(t.fx.dataRoot, p)), `${p} still there`);

    await page.locator('.scroller').click({ position: { x: 600, y: 5 } });
    await g.h.act('undo', () => page.keyboard.press('Control+z'));
    assert.deepEqual(excludedOnDisk(), []);
    assert.equal(await page.locator('.tile.excluded').count(), 0);
    await g.h.act('redo', () => page.keyboard.press('Control+Shift+z'));
    assert.deepEqual(excludedOnDisk(), chosen);

    // Right-click menu: one image of another cluster, excluded and included again.
    const other = page.locator('.row.header[data-cluster="5"] + .row.tiles .tile').first();
    const otherPath = t.fx.paths[Number(await other.getAttribute('data-i'))]!;
    await other.click({ button: 'right' });
    await g.h.act('exclude', () =>
      page.locator('vscode-context-menu-item', { hasText: 'Exclude from Dataset' }).click(),
    );
    assert.ok(excludedOnDisk().includes(otherPath));
    await page.locator(`.tile[data-i="${t.fx.paths.indexOf(otherPath)}"]`).click({ button: 'right' });
    await g.h.act('exclude', () =>
      page.locator('vscode-context-menu-item', { hasText: 'Include Again' }).click(),
    );
    assert.deepEqual(excludedOnDisk(), chosen);
    assert.deepEqual(pageErrors(page), []);
    await g.close();

    // A reloaded gallery (a new host) shows the list as it is on disk.
    const again = await openGallery();
    assert.equal(await again.page.locator('.tile.excluded').count(), 4);
    await again.close();
    writeFileSync(excludeFile(), JSON.stringify({ format: 'clusterlab-exclusions', version: 1, paths: [] }));
  });

  it('Materialize and Export of just the selection; excluded images stay out', async () => {
    const target = join(t.ws, 'picked');
    const g = await openGallery(['pick', 'copy'], target);
    const { page } = g;
    // One image excluded, then a second added to the selection.
    const tiles = page.locator('.row.tiles').first().locator('.tile');
    const [a, b] = [
      Number(await tiles.nth(0).getAttribute('data-i')),
      Number(await tiles.nth(1).getAttribute('data-i')),
    ];
    await tiles.nth(0).click({ modifiers: ['Control'] });
    await g.h.act('exclude', () => page.locator('.selection vscode-button.exclude').click());
    assert.deepEqual(excludedOnDisk(), [t.fx.paths[a]!]);
    await page.locator(`.tile[data-i="${b}"]`).click({ modifiers: ['Control'] });
    assert.match((await page.locator('.selection').textContent()) ?? '', /^2 selected/);
    // Not all of it is excluded: the button still offers to exclude.
    assert.equal(
      (await page.locator('.selection vscode-button.exclude').textContent())?.trim(),
      'Exclude from Dataset',
    );

    await page.locator('vscode-toolbar-button[data-action="file-symlink-directory"]').click();
    await g.h.act('materialize', () =>
      page.locator('vscode-context-menu-item', { hasText: 'Materialize the 2 Selected' }).click(),
    );
    const written = readdirSync(target)
      .filter((f) => !f.startsWith('.'))
      .flatMap((f) => readdirSync(join(target, f)));
    assert.deepEqual(written, [t.fx.paths[b]!.split('/').join('__')]);
    assert.match(
      g.infos.at(-1) ?? '',
      /^1 image of the selection copied into .*picked \(1 excluded from the dataset left out\)$/,
    );

    // Export of the selection: both rows, the excluded one marked.
    const sent = g.h.sent.length;
    await page.locator('vscode-toolbar-button[data-action="export"]').click();
    await g.h.act('export', () =>
      page.locator('vscode-context-menu-item', { hasText: 'Export the 2 Selected as CSV' }).click(),
    );
    assert.deepEqual(
      g.h.sent.slice(sent).find((m) => (m as { type: string }).type === 'export'),
      { type: 'export', format: 'csv', paths: [t.fx.paths[a]!, t.fx.paths[b]!] },
    );
    await g.close();
    writeFileSync(excludeFile(), JSON.stringify({ format: 'clusterlab-exclusions', version: 1, paths: [] }));
  });

  it("sorts by doesn't belong: an image whose features are another cluster's comes first though it is confident", async () => {
    const classOf = (p: string) => t.fx.classes.indexOf(p.split('/')[1]!);
    // The planted misfit: the most confident image of cluster 0, with the features of class 5.
    const rows = readFileSync(join(t.fx.runDir, 'assignments.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    const planted = rows.findIndex(
      (r) =>
        r[1] === '0' &&
        Number(r[2]) === Math.max(...rows.filter((x) => x[1] === '0').map((x) => Number(x[2]))),
    );
    await writeClassFeatures(t.fx, (i) => (i === planted ? 5 : classOf(t.fx.paths[i]!)));

    const g = await openGallery();
    const { page } = g;
    const firstOfZero = () => tileIndices(page, '.row.header[data-cluster="0"] + .row.tiles .tile');
    const sortBy = (v: string) =>
      page
        .locator('vscode-single-select[aria-label="Sort"]')
        .evaluate((el: HTMLElement & { value: string }, value) => {
          el.value = value;
          el.dispatchEvent(new Event('change'));
        }, v);
    await sortBy('confidence-asc');
    assert.equal((await firstOfZero()).at(-1), planted, 'least confident first puts it last');
    await g.h.act('belong', () => sortBy('belong'));
    const order = await firstOfZero();
    assert.ok(
      order.slice(0, 2).includes(planted),
      `doesn't belong puts it among the first two: ${order} (planted ${planted})`,
    );
    assert.match(
      (await page.locator(`.tile[data-i="${planted}"]`).getAttribute('title')) ?? '',
      /doesn’t belong 0\.\d\d/,
    );
    await screenshot(page, 'gallery-doesnt-belong');
    // An edit (the misfit moved to cluster 5, where its features are) and the scores come again.
    await page.locator(`.tile[data-i="${planted}"]`).click({ button: 'right' });
    await page.locator('vscode-context-menu-item', { hasText: 'Move to Cluster' }).click();
    await g.h.act('belong', () =>
      page.locator('vscode-context-menu-item', { hasText: 'Cluster 5 (' }).click(),
    );
    const five = await tileIndices(page, '.row.header[data-cluster="5"] + .row.tiles .tile');
    assert.ok(
      five.includes(planted) && five[0] !== planted,
      `after the move it is no misfit in cluster 5: ${five} (planted ${planted})`,
    );
    assert.deepEqual(pageErrors(page), []);
    await g.close();
  });

  it("more like this from a tile's menu: the image first, its class across clusters, a chip that is cleared to go back", async () => {
    await writeClassFeatures(t.fx);
    const g = await openGallery();
    const { page } = g;
    const query = 5;
    const classOf = (i: number) => t.fx.paths[i]!.split('/')[1];
    await page.locator(`.tile[data-i="${query}"]`).click({ button: 'right' });
    await g.h.act('moreLike', () =>
      page.locator('vscode-context-menu-item', { hasText: 'More Like This' }).click(),
    );
    const chip = page.locator('.chip:not([hidden])');
    assert.match((await chip.textContent()) ?? '', /24 like .*\.png in the run’s features/);
    const order = await tileIndices(page, '.tile');
    assert.equal(order.length, 25);
    assert.equal(order[0], query, 'the image itself first');
    // Its 3 classmates are all there, though the fixture put one of them in another cluster.
    const mates = t.fx.paths.flatMap((_, i) => (i !== query && classOf(i) === classOf(query) ? [i] : []));
    for (const i of mates) assert.ok(order.includes(i), `classmate ${i} shown`);
    assert.ok((await page.locator('.row.header').count()) > 1, 'across clusters');
    await screenshot(page, 'gallery-more-like-this');
    await page.locator('.chip vscode-icon[name="close"]').click();
    await page.waitForFunction(() => document.querySelectorAll('.tile').length === 40);
    assert.deepEqual(pageErrors(page), []);
    await g.close();
  });

  it("the map's selection (a legend entry) is excluded from its strip, and the gallery of the run shows it", async () => {
    await writeFixtureLayout(t.fx);
    const { ui } = recordingUi(t.ws);
    const host = makeHost(t.fx.runsDir, t.thumbDir, ui);
    const map = await openPage(t.browser, t.origin, 'map', host.map);
    const gallery = await openPage(t.browser, t.origin, 'gallery', host.gallery);
    await gallery.page.locator('.row.header').first().waitFor();
    await map.page.locator('.legend .entry', { hasText: 'Cluster 7 (4)' }).click();
    await map.page.locator('.strip:not([hidden])').waitFor();
    await map.act('exclude', () =>
      map.page.locator('.strip vscode-button[data-action="Exclude from Dataset"]').click(),
    );
    const seven = excludedOnDisk().length;
    assert.equal(seven, 4);
    // The gallery of the same run (same host) redraws with them excluded, and shares the selection.
    await gallery.page.waitForFunction(() => document.querySelectorAll('.tile.excluded').length === 4);
    assert.match((await gallery.page.locator('.selection').textContent()) ?? '', /^4 selected/);
    assert.deepEqual(pageErrors(map.page), []);
    await map.page.close();
    await gallery.page.close();
    await host.sessions.dispose();
    writeFileSync(excludeFile(), JSON.stringify({ format: 'clusterlab-exclusions', version: 1, paths: [] }));
  });

  it('a list naming images deleted since is logged once; a damaged list is one line naming the file, and exclusions and exports wait for it', async () => {
    writeFileSync(
      excludeFile(),
      JSON.stringify({
        format: 'clusterlab-exclusions',
        version: 1,
        paths: ['gone/long-ago.png', t.fx.paths[0]],
      }),
    );
    const ok = await openGallery();
    assert.equal(await ok.page.locator('.tile.excluded').count(), 1);
    assert.deepEqual(
      ok.record.log.filter((l) => /not in run/.test(l)),
      [`${excludeFile()}: 1 listed image is not in run cc-fixture (deleted since?): ignored`],
    );
    await ok.close();

    writeFileSync(excludeFile(), '{"format": "clusterlab-exclusions", "paths": [');
    const g = await openGallery();
    const banner = g.page.locator('.banner:not([hidden])').first();
    await banner.waitFor();
    assert.match(
      (await banner.textContent()) ?? '',
      /\.clusterlab-exclude\.json is not a valid exclusion list \(not JSON: .*\): fix or remove it/,
    );
    // The run is still shown; excluding and exporting refuse with the same line, and the file is left as it was.
    assert.equal(await g.page.locator('.tile').count(), 40);
    await g.page
      .locator('.tile')
      .first()
      .click({ modifiers: ['Control'] });
    await g.h.act('exclude', () => g.page.locator('.selection vscode-button.exclude').click());
    await g.h.act('materialize', () =>
      g.page.evaluate(() =>
        (window as unknown as { acquireVsCodeApi(): { postMessage(m: unknown): void } })
          .acquireVsCodeApi()
          .postMessage({ type: 'materialize' }),
      ),
    );
    assert.equal(g.record.errors.length, 2);
    for (const e of g.record.errors)
      assert.match(e, /^ClusterLab: .*\.clusterlab-exclude\.json is not a valid exclusion list/);
    assert.equal(readFileSync(excludeFile(), 'utf8'), '{"format": "clusterlab-exclusions", "paths": [');
    await g.close();
    writeFileSync(excludeFile(), JSON.stringify({ format: 'clusterlab-exclusions', version: 1, paths: [] }));
  });

  it('a run whose dataset lies outside the workspace: its exclusion list is not written', async () => {
    const { ui, record } = recordingUi(join(t.ws, 'elsewhere'));
    const host = makeHost(t.fx.runsDir, t.thumbDir, ui);
    const h = await openPage(t.browser, t.origin, 'gallery', host.gallery);
    await h.page.locator('.row.header').first().waitFor();
    await h.act('exclude', () =>
      h.page.evaluate(
        (p) =>
          (window as unknown as { acquireVsCodeApi(): { postMessage(m: unknown): void } })
            .acquireVsCodeApi()
            .postMessage({ type: 'exclude', paths: [p], exclude: true }),
        t.fx.paths[0]!,
      ),
    );
    assert.match(
      record.errors.join('\n'),
      /the dataset folder .* is outside the workspace: its exclusion list is not written from here/,
    );
    assert.deepEqual(excludedOnDisk(), []);
    await h.page.close();
    await host.sessions.dispose();
  });
});
