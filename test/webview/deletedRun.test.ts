// A gallery whose run is deleted (Delete Run, or its folder removed on disk) shows another run's
// clusters under that run's name, never the deleted run's under it; an edit that races the
// deletion says the run was deleted instead of a raw ENOENT (issue 30, bug 2).
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { RunJson } from '../../src/protocol/run.js';
import { GalleryController } from '../../src/extension/views/galleryController.js';
import { RunSessions } from '../../src/extension/views/runSessions.js';
import { ThumbnailCache } from '../../src/extension/workspace/thumbnails.js';
import { makeFixtureRun, type FixtureRun } from './fixtureRun.js';
import {
  launchChromium,
  notifyingRunSource,
  openPage,
  pageErrors,
  recordingUi,
  screenshot,
  startServer,
} from './harness.js';

describe('a gallery whose run is deleted', () => {
  let ws: string;
  let fx: FixtureRun;
  let small: string;
  let browser: Browser;
  let origin: string;
  let close: () => void;
  before(async () => {
    ws = mkdtempSync(join(tmpdir(), 'clusterlab-deleted-'));
    fx = makeFixtureRun(ws);
    // A second, smaller run (20 images), started an hour later.
    const other = makeFixtureRun(join(ws, 'other'), 2);
    small = join(fx.runsDir, 'cc-small');
    renameSync(other.runDir, small);
    const run = JSON.parse(readFileSync(join(small, 'run.json'), 'utf8')) as RunJson;
    writeFileSync(
      join(small, 'run.json'),
      JSON.stringify({ ...run, id: 'cc-small', startedAt: '2026-11-20T11:00:00.000Z' }),
    );
    const s = await startServer(join(ws, 'thumbs'));
    origin = s.origin;
    close = () => s.server.close();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    close?.();
    rmSync(ws, { recursive: true, force: true });
  });

  it('switches to a run that is left, picker and grid alike; an edit racing the deletion names it', async () => {
    const { source, runsChanged } = notifyingRunSource(fx.runsDir);
    const sessions = new RunSessions(source, { isInWorkspace: () => true, log: () => undefined });
    const { ui, record } = recordingUi(ws);
    let controller!: GalleryController;
    const h = await openPage(
      browser,
      origin,
      'gallery',
      (port) =>
        (controller = new GalleryController(sessions, port, ui, new ThumbnailCache(join(ws, 'thumbs')))),
    );
    const { page } = h;
    const status = () => page.locator('.toolbar .status').textContent();
    const picked = () => page.locator('.run-picker').evaluate((el) => (el as HTMLSelectElement).value);
    await page.locator('.row.header').first().waitFor();
    await controller.showRun(fx.runDir);
    await h.idle();
    assert.match((await status()) ?? '', /^40 images · 10 clusters/);
    assert.equal(await picked(), fx.runDir);

    // Deleted (the Runs view's Delete Run removes the folder; the run store then says the runs changed).
    rmSync(fx.runDir, { recursive: true });
    runsChanged();
    await page.waitForFunction(
      () => /^20 images/.test(document.querySelector('.toolbar .status')?.textContent ?? ''),
      undefined,
      { timeout: 10_000 },
    );
    await h.idle();
    assert.equal(await picked(), small);
    assert.equal(await page.locator('.tile').count(), 20);
    await screenshot(page, 'gallery-after-run-deleted');

    // A rename now lands in the run shown.
    await page.locator('.row.header[data-cluster="0"] .name').click();
    await page.locator('.row.header vscode-textfield input').fill('boots');
    await h.act('rename', () => page.keyboard.press('Enter'));
    assert.equal(JSON.parse(readFileSync(join(small, 'labels.json'), 'utf8')).names['0'], 'boots');
    assert.deepEqual(record.errors, []);

    // Its folder removed on disk, and renamed before the list of runs says so: one plain message, nothing written.
    // The rename is typed first and the folder removed just before Enter: removed earlier, the
    // folder's watchers may redraw the page first and close the field (then nothing is sent).
    await page.locator('.row.header[data-cluster="1"] .name').click();
    await page.locator('.row.header vscode-textfield input').fill('bags');
    await h.act('rename', () => {
      rmSync(small, { recursive: true });
      return page.keyboard.press('Enter');
    });
    assert.equal(record.errors.length, 1);
    assert.match(
      record.errors[0]!,
      /the run cc-small was deleted \(its folder is gone\); the edit was not saved/,
    );
    assert.doesNotMatch(record.errors[0]!, /ENOENT|\.tmp/);
    assert.ok(!existsSync(small), 'nothing was written for the deleted run');
    await page.waitForFunction(() => document.querySelectorAll('.tile').length === 0, undefined, {
      timeout: 10_000,
    });
    assert.deepEqual(pageErrors(page), []);
    await page.close();
    await controller.dispose();
    await sessions.dispose();
  });
});
