import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { browserSuite, makeHost, openPage, pageErrors, recordingUi, screenshot } from './harness.js';

describe('confusion page in Chromium', () => {
  const t = browserSuite('confusion');

  it('draws clusters x classes grouped by super-class with the Hungarian matching, and the super-class matrix', async () => {
    const { ui } = recordingUi(t.ws);
    const host = makeHost(t.fx.runsDir, t.thumbDir, ui);
    const h = await openPage(t.browser, t.origin, 'confusion', host.confusion);
    const classes = h.page.locator('[data-kind="classes"] rect.cell');
    await classes.first().waitFor();
    assert.equal(await classes.count(), 100);
    // Each cluster's three of a class are matched (framed); the stray fourth image is off the diagonal.
    assert.equal(await h.page.locator('[data-kind="classes"] rect.cell.matched').count(), 10);
    // Five super-class bands (bags, bottoms, dresses, footwear, tops) over the class columns.
    assert.deepEqual(await h.page.locator('.band title').allTextContents(), [
      'bags',
      'bottoms',
      'dresses',
      'footwear',
      'tops',
    ]);
    assert.equal(await h.page.locator('[data-kind="supers"] rect.cell').count(), 50);
    const scores = await h.page.locator('.scores').allTextContents();
    assert.match(scores[0]!, /ACC 75\.0%/);
    assert.match(scores[1]!, /super-classes: ACC .*purity/);
    // Every label is whole and inside its drawing: no "bot…" band, no column label cut at the edge.
    const texts = await h.page.locator('.heatmap text').evaluateAll((els) =>
      els.map((e) => {
        const svg = (e as SVGTextElement).ownerSVGElement!.getBoundingClientRect();
        const b = e.getBoundingClientRect();
        return {
          text: e.textContent,
          inside:
            b.left >= svg.left - 0.5 &&
            b.right <= svg.right + 0.5 &&
            b.top >= svg.top - 0.5 &&
            b.bottom <= svg.bottom + 0.5,
        };
      }),
    );
    assert.deepEqual(
      texts.filter((x) => x.text!.endsWith('…') || !x.inside),
      [],
    );
    await screenshot(h.page, 'confusion');
    assert.deepEqual(pageErrors(h.page), []);
    await h.page.close();
    await host.sessions.dispose();
  });

  it('a cell click asks for the gallery narrowed to that cluster and class; merges show up', async () => {
    writeFileSync(
      join(t.fx.runDir, 'labels.json'),
      JSON.stringify({
        format: 'clusterlab-labels',
        version: 1,
        names: { '7': 'sneakers' },
        merges: [{ from: 9, into: 8 }],
        moves: {},
      }),
    );
    const { ui, record } = recordingUi(t.ws);
    const host = makeHost(t.fx.runsDir, t.thumbDir, ui);
    const h = await openPage(t.browser, t.origin, 'confusion', host.confusion);
    await h.page.locator('[data-kind="classes"] rect.cell').first().waitFor();
    assert.equal(await h.page.locator('[data-kind="classes"] rect.cell').count(), 90);
    const sneaker = t.fx.classes.indexOf('sneaker');
    await h.act('showCell', () =>
      h.page.locator(`[data-kind="classes"] rect.cell.matched[data-col="${sneaker}"]`).click(),
    );
    assert.deepEqual(record.galleries, [
      { dir: t.fx.runDir, filter: { type: 'filter', cluster: 7, classIndex: sneaker } },
    ]);
    assert.ok((await h.page.locator('.row-label').allTextContents()).includes('sneakers (4)'));
    await h.act('showCell', () => h.page.locator('[data-kind="supers"] rect.cell').first().click());
    assert.ok(record.galleries[1]?.filter?.superIndex !== undefined);
    await h.page.close();
    await host.sessions.dispose();
  });
});
