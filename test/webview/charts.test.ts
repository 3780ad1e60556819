import { strict as assert } from 'node:assert';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeFixtureRun } from './fixtureRun.js';
import { describe, it } from 'node:test';
import { browserSuite, makeHost, openPage, pageErrors, recordingUi, screenshot } from './harness.js';

describe('training charts page in Chromium', () => {
  const t = browserSuite('charts');

  it('draws every numeric series of metrics.jsonl and follows new rows live', async () => {
    const { ui } = recordingUi(t.ws);
    const host = makeHost(t.fx.runsDir, t.thumbDir, ui);
    const h = await openPage(t.browser, t.origin, 'charts', host.charts);
    await h.page.locator('figure.chart-box').first().waitFor();
    const groups = await h.page
      .locator('figure.chart-box')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-group')));
    assert.deepEqual(groups, [
      'Loss and its terms',
      'Scores against the labels',
      'NMI to the previous epoch',
      'Speed (images/s)',
      'Time per epoch (s)',
    ]);
    const loss = h.page.locator('figure[data-group="Loss and its terms"]');
    assert.equal(await loss.locator('path.line').count(), 3);
    assert.equal(await loss.locator('circle.point').count(), 15);
    // The phase change (warmup -> train) is marked.
    assert.equal(await loss.locator('.phase-label').textContent(), 'train');
    // nmiPrevious is missing in the first row: four points, no invented zero.
    assert.equal(
      await h.page.locator('figure[data-group="NMI to the previous epoch"] circle.point').count(),
      4,
    );
    await screenshot(h.page, 'charts');
    assert.deepEqual(pageErrors(h.page), []);

    appendFileSync(
      join(t.fx.runDir, 'metrics.jsonl'),
      JSON.stringify({
        epoch: 6,
        phase: 'train',
        loss: 4.5,
        terms: { instance: 3, cluster: 1.5 },
        imgPerSec: 110,
        seconds: 11,
        acc: 0.8,
        nmi: 0.7,
        ari: 0.6,
        nmiPrevious: 0.95,
      }) + '\n',
    );
    await h.page.waitForFunction(
      () => document.querySelectorAll('figure[data-group="Loss and its terms"] circle.point').length === 18,
      undefined,
      { timeout: 10_000 },
    );
    await h.page.close();
    await host.sessions.dispose();
  });

  it('human names with units, a colour per series, 0..1 fraction axes, steps for a head index, unclipped stage labels, values on hover', async () => {
    const fx = makeFixtureRun(mkdtempSync(join(tmpdir(), 'clusterlab-scan-charts-')));
    const phases = ['pretext', 'pretext', 'scan', 'scan', 'selflabel'];
    const rows = phases.map((phase, e) => ({
      epoch: e + 1,
      phase,
      loss: 5 - e * 0.5,
      terms: { consistency: 2 - e * 0.1, entropy: 1 + e * 0.1, a: 1, b: 2, c: 3, d: 4, e: 5 },
      imgPerSec: 100 + e,
      seconds: 10,
      ...(phase !== 'pretext' ? { keptHead: [0, 0, 0, 2, 1][e], confidentFraction: 0.5 } : {}),
    }));
    writeFileSync(join(fx.runDir, 'metrics.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const { ui } = recordingUi(fx.workspace);
    const host = makeHost(fx.runsDir, t.thumbDir, ui);
    const h = await openPage(t.browser, t.origin, 'charts', host.charts);
    const { page } = h;
    await page.locator('figure.chart-box').first().waitFor();
    const legend = (await page.locator('.legend').allTextContents()).join(' ');
    assert.doesNotMatch(legend, /terms\.|imgPerSec|keptHead|confidentFraction/);
    assert.match(legend, /Consistency loss/);
    const loss = page.locator('figure[data-group="Loss and its terms"]');
    const colours = await loss
      .locator('path.line')
      .evaluateAll((ps) => ps.map((p) => getComputedStyle(p).stroke));
    assert.equal(colours.length, 8);
    assert.equal(new Set(colours).size, 8, `a colour per series: ${colours.join(' ')}`);
    const fraction = page.locator('figure[data-group="Confident images (fraction)"]');
    const ticks = (await fraction.locator('.tick-y').allTextContents()).map(Number);
    assert.deepEqual([Math.min(...ticks), Math.max(...ticks)], [0, 1]);
    const head = page.locator('figure[data-group="Kept head (index)"]');
    const d = (await head.locator('path.line').getAttribute('d'))!;
    assert.match(d, /^M[\d.]+,[\d.]+([HV][\d.]+)+$/, `drawn as steps: ${d}`);
    assert.ok((await head.locator('.tick-y').allTextContents()).every((x) => Number.isInteger(Number(x))));
    const phaseLabels = await page.locator('.phase-label').evaluateAll((ls) =>
      ls.map((l) => {
        const svg = (l as SVGTextElement).ownerSVGElement!.getBoundingClientRect();
        return { text: l.textContent, inside: l.getBoundingClientRect().right <= svg.right + 0.5 };
      }),
    );
    assert.ok(
      phaseLabels.some((x) => x.text === 'self-labeling'),
      JSON.stringify(phaseLabels),
    );
    assert.deepEqual(
      phaseLabels.filter((x) => !x.inside),
      [],
    );
    // Hovering epoch 2 reads every series there.
    const box = (await loss.locator('svg').boundingBox())!;
    const point = (await loss.locator('circle.point').nth(1).boundingBox())!;
    await page.mouse.move(point.x + point.width / 2, box.y + box.height / 2);
    await page.waitForFunction(() =>
      /epoch 2/.test(
        document.querySelector('figure[data-group="Loss and its terms"] .legend')?.textContent ?? '',
      ),
    );
    assert.match((await loss.locator('.legend').textContent())!, /epoch 2 .*Loss 4\.500/);
    await screenshot(page, 'charts-scan-hover');
    await page.close();
    await host.sessions.dispose();
  });
});
