import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { CompareController } from '../../src/extension/views/compareController.js';
import { makeCompareRuns } from './fixtureCompare.js';
import { browserSuite, makeHost, openPage, pageErrors, recordingUi, screenshot } from './harness.js';

describe('compare runs page in Chromium', () => {
  const t = browserSuite('compare');

  it('tables, heatmaps, overlays and merges three runs; a disagreement cell opens run A’s gallery on exactly its images', async () => {
    const { seed7, k12 } = makeCompareRuns(t.fx);
    const { ui, record } = recordingUi(t.ws);
    const host = makeHost(t.fx.runsDir, t.thumbDir, ui);
    let controller: CompareController | undefined;
    const h = await openPage(t.browser, t.origin, 'compare', (port) => (controller = host.compare(port)), { width: 1300, height: 1800 });
    // As the command does: the runs are set on the controller, whatever the page has said so far.
    await controller!.setRuns([t.fx.runDir, seed7, k12]);
    await h.idle();
    const page = h.page;
    await page.locator('.runs-table tbody tr').first().waitFor();

    // Table: the two seeds fold into one row; only the differing setting (clusters) has a column.
    const headers = await page.locator('.runs-table th').allTextContents();
    assert.deepEqual(headers.slice(0, 4), ['run', 'method', 'clusters', 'seed']);
    assert.ok(headers.includes('seed stability') && headers.includes('silhouette') && headers.includes('ACC'), headers.join(','));
    assert.equal(await page.locator('.runs-table tbody tr').count(), 2);
    assert.match((await page.locator('.runs-table tbody tr').first().textContent()) ?? '', /^CC · data · .* \+1 seed.*42, 7/);
    assert.ok((await page.locator('.runs-table td.best').count()) >= 3);
    await page.locator('label.fold input').uncheck();
    assert.equal(await page.locator('.runs-table tbody tr').count(), 3);
    // Sort by ACC (best first): the fixture's 0.75 above the others' 0.70.
    await page.locator('.runs-table th[data-key="acc"]').click();
    assert.match((await page.locator('.runs-table tbody tr').first().textContent()) ?? '', /^CC · data · .*0\.750/);
    await h.act('copy', () => page.locator('vscode-button[data-copy="markdown"]').click());
    assert.match(record.copied[0]!, /^\| run \| method \| clusters \| seed \|/);
    assert.equal(record.copied[0]!.trim().split('\n').length, 5);

    // Agreement heatmap: 3 x 3, identical diagonal; ARI differs from NMI.
    const grid = page.locator('[data-kind="agreement"] rect.cell');
    assert.equal(await grid.count(), 9);
    const nmiTexts = await page.locator('[data-kind="agreement"] text.count').allTextContents();
    assert.deepEqual([nmiTexts[0], nmiTexts[4], nmiTexts[8]], ['1.00', '1.00', '1.00']);
    await page.locator('vscode-single-select.measure').evaluate((el: HTMLElement & { value: string }) => {
      el.value = 'ari';
      el.dispatchEvent(new Event('change'));
    });
    assert.notDeepEqual(await page.locator('[data-kind="agreement"] text.count').allTextContents(), nmiTexts);

    // Overlay: one line per run of the chosen metric (ACC by default).
    assert.equal(await page.locator('section.overlay path.line').count(), 3);
    assert.equal(await page.locator('section.overlay .legend-item').count(), 3);

    // K sweep: K = 10 (two seeds) and 12 (one): no stability at 12, so no suggestion, and the page says why
    // (silhouettes, each in its own run's features, are not compared across K).
    assert.equal(await page.locator('.k-table tbody tr').count(), 2);
    assert.equal(await page.locator('.k-table tr.suggested').count(), 0);
    assert.match((await page.locator('.k-sweep .rule').textContent()) ?? '', /No suggested K: it needs two or more seeds at two or more cluster counts/);
    await screenshot(page, 'compare');

    // Run A (fixture) x run B (seed 7): class 1's first image is in A's cluster 1 and B's cluster 3.
    const cell = page.locator('[data-kind="pair"] rect.cell').filter({ has: page.locator('title', { hasText: /^Cluster 1 \(\d+\) × Cluster 3 \(\d+\)/ }) });
    await h.act('showCell', () => cell.click());
    const expected = t.fx.paths.filter((p) => p.split('/')[1] === t.fx.classes[1])[0]!;
    assert.deepEqual(record.galleries, [{ dir: t.fx.runDir, filter: { type: 'filter', images: [expected], title: 'cc-fixture: Cluster 1 × cc-seed7: Cluster 3' } }]);

    // Run A = the K = 12 run: its merge candidates with thumbnails; a merge writes labels.json, Undo takes it back.
    await h.act('selectPair', () =>
      page.locator('vscode-single-select.run-a').evaluate((el: HTMLElement & { value: string }, dir) => {
        el.value = dir;
        el.dispatchEvent(new Event('change'));
      }, k12),
    );
    await page.locator('.merge-pair').first().waitFor();
    assert.equal(await page.locator('.merge-pair').count(), 2);
    // The score is said as what it measures, not as a bare number (issue 30, friction).
    assert.match((await page.locator('.merge-pair .merge-head').first().textContent()) ?? '', /\d+\.\d% of their nearest-neighbour links cross between them \([\d,]+ links\)/);
    await page.waitForFunction(() => document.querySelectorAll('.merges img[src]').length >= 8, undefined, { timeout: 20_000 });
    await screenshot(page, 'compare-merges');
    await h.act('merge', () => page.locator('vscode-button[data-merge="10:0"]').click());
    assert.deepEqual(JSON.parse(readFileSync(join(k12, 'labels.json'), 'utf8')).merges, [{ from: 10, into: 0 }]);
    await page.waitForFunction(() => document.querySelectorAll('.merge-pair').length === 1);
    await h.act('undo', () => page.locator('.merges vscode-button.undo').click());
    assert.deepEqual(JSON.parse(readFileSync(join(k12, 'labels.json'), 'utf8')).merges, []);
    await page.waitForFunction(() => document.querySelectorAll('.merge-pair').length === 2);

    // The runs compared are chosen at the top of the page: without the seed-7 run, two rows and a 2 x 2 heatmap.
    await page.locator('details.run-chooser summary').click();
    await h.act('setRuns', () => page.locator(`details.run-chooser input[value="${seed7}"]`).uncheck());
    assert.equal(await page.locator('.runs-table tbody tr').count(), 2);
    assert.equal(await page.locator('[data-kind="agreement"] rect.cell').count(), 4);

    assert.deepEqual(record.errors, []);
    assert.deepEqual(pageErrors(page), []);
    await page.close();
    await controller!.dispose();
    await host.sessions.dispose();
  });
});
