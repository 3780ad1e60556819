import { strict as assert } from 'node:assert';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { browserSuite, makeHost, openPage, pageErrors, recordingUi, screenshot } from './harness.js';

describe('training charts page in Chromium', () => {
  const t = browserSuite('charts');

  it('draws every numeric series of metrics.jsonl and follows new rows live', async () => {
    const { ui } = recordingUi(t.ws);
    const host = makeHost(t.fx.runsDir, t.thumbDir, ui);
    const h = await openPage(t.browser, t.origin, 'charts', host.charts);
    await h.page.locator('figure.chart-box').first().waitFor();
    const groups = await h.page.locator('figure.chart-box').evaluateAll((els) => els.map((e) => e.getAttribute('data-group')));
    assert.deepEqual(groups, ['Loss and its terms', 'Scores against the labels', 'nmiPrevious', 'imgPerSec', 'seconds']);
    const loss = h.page.locator('figure[data-group="Loss and its terms"]');
    assert.equal(await loss.locator('path.line').count(), 3);
    assert.equal(await loss.locator('circle.point').count(), 15);
    // The phase change (warmup -> train) is marked.
    assert.equal(await loss.locator('.phase-label').textContent(), 'train');
    // nmiPrevious is missing in the first row: four points, no invented zero.
    assert.equal(await h.page.locator('figure[data-group="nmiPrevious"] circle.point').count(), 4);
    await screenshot(h.page, 'charts');
    assert.deepEqual(pageErrors(h.page), []);

    appendFileSync(join(t.fx.runDir, 'metrics.jsonl'), JSON.stringify({ epoch: 6, phase: 'train', loss: 4.5, terms: { instance: 3, cluster: 1.5 }, imgPerSec: 110, seconds: 11, acc: 0.8, nmi: 0.7, ari: 0.6, nmiPrevious: 0.95 }) + '\n');
    await h.page.waitForFunction(() => document.querySelectorAll('figure[data-group="Loss and its terms"] circle.point').length === 18, undefined, { timeout: 10_000 });
    await h.page.close();
    await host.sessions.dispose();
  });
});
