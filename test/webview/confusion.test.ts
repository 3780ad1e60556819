import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { makeFixtureRun, type FixtureRun } from './fixtureRun.js';
import { launchChromium, makeHost, openPage, pageErrors, recordingUi, screenshot, startServer } from './harness.js';

let ws: string;
let fx: FixtureRun;
let server: Server;
let origin: string;
let browser: Browser;

describe('confusion page in Chromium', () => {
  before(async () => {
    ws = mkdtempSync(join(tmpdir(), 'clusterlab-confusion-'));
    fx = makeFixtureRun(ws);
    ({ server, origin } = await startServer(join(ws, 'thumbs')));
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    server?.close();
    rmSync(ws, { recursive: true, force: true });
  });

  it('draws clusters x classes grouped by super-class with the Hungarian matching, and the super-class matrix', async () => {
    const { ui } = recordingUi(ws);
    const host = makeHost(fx.runsDir, join(ws, 'thumbs'), ui);
    const h = await openPage(browser, origin, 'confusion', host.confusion);
    const classes = h.page.locator('[data-kind="classes"] rect.cell');
    await classes.first().waitFor();
    assert.equal(await classes.count(), 100);
    // Each cluster's three of a class are matched (framed); the stray fourth image is off the diagonal.
    assert.equal(await h.page.locator('[data-kind="classes"] rect.cell.matched').count(), 10);
    // Five super-class bands (bags, bottoms, dresses, footwear, tops) over the class columns.
    assert.deepEqual(await h.page.locator('.band title').allTextContents(), ['bags', 'bottoms', 'dresses', 'footwear', 'tops']);
    assert.equal(await h.page.locator('[data-kind="supers"] rect.cell').count(), 50);
    const scores = await h.page.locator('.scores').allTextContents();
    assert.match(scores[0]!, /ACC 75\.0%/);
    assert.match(scores[1]!, /super-classes: ACC .*purity/);
    await screenshot(h.page, 'confusion');
    assert.deepEqual(pageErrors(h.page), []);
    await h.page.close();
    await host.sessions.dispose();
  });

  it('a cell click asks for the gallery narrowed to that cluster and class; merges show up', async () => {
    writeFileSync(join(fx.runDir, 'labels.json'), JSON.stringify({ format: 'clusterlab-labels', version: 1, names: { '7': 'sneakers' }, merges: [{ from: 9, into: 8 }], moves: {} }));
    const { ui, record } = recordingUi(ws);
    const host = makeHost(fx.runsDir, join(ws, 'thumbs'), ui);
    const h = await openPage(browser, origin, 'confusion', host.confusion);
    await h.page.locator('[data-kind="classes"] rect.cell').first().waitFor();
    assert.equal(await h.page.locator('[data-kind="classes"] rect.cell').count(), 90);
    const sneaker = fx.classes.indexOf('sneaker');
    await h.page.locator(`[data-kind="classes"] rect.cell.matched[data-col="${sneaker}"]`).click();
    await h.idle();
    assert.deepEqual(record.galleries, [{ dir: fx.runDir, filter: { type: 'filter', cluster: 7, classIndex: sneaker } }]);
    assert.ok((await h.page.locator('.row-label').allTextContents()).includes('sneakers (4)'));
    await h.page.locator('[data-kind="supers"] rect.cell').first().click();
    await h.idle();
    assert.ok(record.galleries[1]?.filter?.superIndex !== undefined);
    await h.page.close();
    await host.sessions.dispose();
  });
});
