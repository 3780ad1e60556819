import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { CompareController } from '../../src/extension/views/compareController.js';
import { makeCompareRuns, writeCompareRun } from './fixtureCompare.js';
import { browserSuite, makeHost, openPage, pageErrors, recordingUi, screenshot } from './harness.js';

describe('compare runs page in Chromium', () => {
  const t = browserSuite('compare');

  it('tables, heatmaps, overlays and merges three runs; a disagreement cell opens run A’s gallery on exactly its images', async () => {
    const { seed7, k12 } = makeCompareRuns(t.fx);
    const { ui, record } = recordingUi(t.ws);
    const host = makeHost(t.fx.runsDir, t.thumbDir, ui);
    let controller: CompareController | undefined;
    const h = await openPage(t.browser, t.origin, 'compare', (port) => (controller = host.compare(port)), {
      width: 1300,
      height: 1800,
    });
    // As the command does: the runs are set on the controller, whatever the page has said so far.
    await controller!.setRuns([t.fx.runDir, seed7, k12]);
    await h.idle();
    const page = h.page;
    await page.locator('.runs-table tbody tr').first().waitFor();

    // Table: the two seeds fold into one row; only the differing setting (clusters) has a column.
    const headers = await page.locator('.runs-table th').allTextContents();
    assert.deepEqual(headers.slice(0, 4), ['run', 'method', 'clusters', 'confidence']);
    assert.ok(
      headers.includes('seed stability') && headers.includes('silhouette') && headers.includes('ACC'),
      headers.join(','),
    );
    assert.equal(await page.locator('.runs-table tbody tr').count(), 2);
    assert.match(
      (await page.locator('.runs-table tbody tr').first().textContent()) ?? '',
      /^CC · data · .* \+1 seed.*42, 7/,
    );
    assert.ok((await page.locator('.runs-table td.best').count()) >= 3);
    await page.locator('label.fold input').uncheck();
    assert.equal(await page.locator('.runs-table tbody tr').count(), 3);
    // Sort by ACC (best first): the fixture's 0.75 above the others' 0.70.
    await page.locator('.runs-table th[data-key="acc"]').click();
    assert.match(
      (await page.locator('.runs-table tbody tr').first().textContent()) ?? '',
      /^CC · data · .*0\.750/,
    );
    await h.act('copy', () => page.locator('vscode-button[data-copy="markdown"]').click());
    assert.match(record.copied[0]!, /^\| run \| method \| clusters \| confidence \|/);
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
    assert.match(
      (await page.locator('.k-sweep .rule').textContent()) ?? '',
      /No suggested K: it needs two or more seeds at two or more cluster counts/,
    );
    await screenshot(page, 'compare');

    // Run A (fixture) x run B (seed 7): class 1's first image is in A's cluster 1 and B's cluster 3.
    const cell = page
      .locator('[data-kind="pair"] rect.cell')
      .filter({ has: page.locator('title', { hasText: /^Cluster 1 \(\d+\) × Cluster 3 \(\d+\)/ }) });
    await h.act('showCell', () => cell.click());
    const expected = t.fx.paths.filter((p) => p.split('/')[1] === t.fx.classes[1])[0]!;
    assert.deepEqual(record.galleries, [
      {
        dir: t.fx.runDir,
        filter: { type: 'filter', images: [expected], title: 'cc-fixture: Cluster 1 × cc-seed7: Cluster 3' },
      },
    ]);

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
    assert.match(
      (await page.locator('.merge-pair .merge-head').first().textContent()) ?? '',
      /\d+\.\d% of their nearest-neighbour links cross between them \([\d,]+ links\)/,
    );
    await page.waitForFunction(() => document.querySelectorAll('.merges img[src]').length >= 8, undefined, {
      timeout: 20_000,
    });
    await screenshot(page, 'compare-merges');
    await h.act('merge', () => page.locator('vscode-button[data-merge="10:0"]').click());
    assert.deepEqual(JSON.parse(readFileSync(join(k12, 'labels.json'), 'utf8')).merges, [
      { from: 10, into: 0 },
    ]);
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

  it('at the width a 1440 px window leaves the tab, the scores show without scrolling, under a verdict in words (issue 30, friction)', async () => {
    const base = JSON.parse(readFileSync(join(t.fx.runDir, 'run.json'), 'utf8'));
    const byClass = (p: string) => t.fx.classes.indexOf(p.split('/')[1]!);
    // Two runs of a grid over four settings.
    const run = (id: string, over: object, scores: { confidence: number; balance: number; acc: number }) => {
      const dir = writeCompareRun(t.fx, base, id, over, byClass, 0.1, []);
      const file = join(dir, 'summary.json');
      const summary = JSON.parse(readFileSync(file, 'utf8'));
      writeFileSync(
        file,
        JSON.stringify({
          ...summary,
          acc: scores.acc,
          labelFree: { ...summary.labelFree, confidence: scores.confidence, balance: scores.balance },
        }),
      );
      return dir;
    };
    const a = run(
      'grid-a',
      { learningRate: 0.001, batchSize: 64, imageSize: 28, epochs: 5 },
      { confidence: 0.7, balance: 0.95, acc: 0.61 },
    );
    const b = run(
      'grid-b',
      { learningRate: 0.0003, batchSize: 256, imageSize: 32, clusters: 12 },
      { confidence: 0.82, balance: 0.91, acc: 0.66 },
    );
    // Run A's second seed: its row folds into mean ± sd, the widest cells, with the seed stability.
    const a7 = run(
      'grid-a7',
      { learningRate: 0.001, batchSize: 64, imageSize: 28, epochs: 5, seed: 7 },
      { confidence: 0.72, balance: 0.93, acc: 0.63 },
    );
    const { ui } = recordingUi(t.ws);
    const host = makeHost(t.fx.runsDir, t.thumbDir, ui);
    let controller: CompareController | undefined;
    // 1440 px less the activity bar and a side bar of its default width, as code-server lays it out.
    const h = await openPage(t.browser, t.origin, 'compare', (port) => (controller = host.compare(port)), {
      width: 1090,
      height: 900,
    });
    await controller!.setRuns([a, b, a7]);
    await h.idle();
    const page = h.page;
    await page.locator('.runs-table tbody tr').first().waitFor();
    assert.match(
      (await page.locator('.runs-table tbody tr').first().textContent()) ?? '',
      /\+1 seed.*0\.710 ± 0\.014/,
    );
    // The agreement grid's run names are whole: none runs off its box on any side.
    const clipped = await page.locator('[data-kind="agreement"] svg').evaluate((svg) => {
      const box = svg.getBoundingClientRect();
      return [...svg.querySelectorAll('text.row-label, text.col-label')]
        .filter((t) => {
          const r = t.getBoundingClientRect();
          return r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5;
        })
        .map((t) => t.textContent);
    });
    assert.deepEqual(clipped, []);
    await screenshot(page, 'compare-1440');
    const out = await page.evaluate(() => {
      const box = document.querySelector('.table-scroll')!.getBoundingClientRect();
      const headers = [...document.querySelectorAll<HTMLElement>('.runs-table th')];
      return {
        right: box.right,
        headers: headers.map((th) => ({ key: th.dataset.key, right: th.getBoundingClientRect().right })),
      };
    });
    // The label-free scores and ACC, with four settings differing and a folded row (NMI and ARI follow, and may scroll).
    for (const key of ['confidence', 'balance', 'knnConsistency', 'silhouette', 'stability', 'acc']) {
      const th = out.headers.find((x) => x.key === key);
      assert.ok(th, `a ${key} column`);
      assert.ok(
        th.right <= out.right,
        `${key} ends at ${th.right} px, past the table's visible edge at ${out.right} px`,
      );
    }
    // The verdict, above the table: B is surer but less even, and closer to the labels.
    const said = (await page.locator('.verdict-line').textContent()) ?? '';
    assert.match(
      said,
      /^B “[^”]+” is more confident but less balanced than A “[^”]+”: these scores disagree; against the labels B is better \(ACC 0\.660 vs 0\.610\)\.$/,
    );
    const notes = (await page.locator('.verdict-notes').textContent()) ?? '';
    assert.match(
      notes,
      /^Same images \(40 both clustered\)\. K differs \(10 vs 12\): confidence and balance shift with K\./,
    );
    assert.match(
      notes,
      /kNN consistency and silhouette are not compared: each run measures them in its own features\./,
    );
    const [verdictBox, tableBox] = await Promise.all([
      page.locator('.verdict').boundingBox(),
      page.locator('.runs-table').boundingBox(),
    ]);
    assert.ok(verdictBox!.y < tableBox!.y, 'the verdict is above the table');
    assert.deepEqual(pageErrors(page), []);
    await page.close();
    await controller!.dispose();
    await host.sessions.dispose();
  });
});
