// The side-bar gallery stays on the run the user picked while a sweep adds runs, starts them and
// finishes them; the new runs are offered in the picker, not forced (issue 30, friction).
import { strict as assert } from 'node:assert';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { RunJson } from '../../src/protocol/run.js';
import { GalleryController } from '../../src/extension/views/galleryController.js';
import { RunSessions } from '../../src/extension/views/runSessions.js';
import { ThumbnailCache } from '../../src/extension/workspace/thumbnails.js';
import {
  browserSuite,
  notifyingRunSource,
  openPage,
  pageErrors,
  recordingUi,
  screenshot,
} from './harness.js';

describe('the side-bar gallery while a sweep runs', () => {
  const t = browserSuite('stays');

  /** A sweep's run as the trainer writes it: run.json first (running), the run files when done. */
  function sweepRun(id: string, hour: number, status: 'running' | 'done'): string {
    const dir = join(t.fx.runsDir, id);
    mkdirSync(dir, { recursive: true });
    const base = JSON.parse(readFileSync(join(t.fx.runDir, 'run.json'), 'utf8')) as RunJson;
    const run = {
      ...base,
      id,
      status,
      startedAt: `2026-11-20T${hour}:00:00.000Z`,
      epoch: status === 'done' ? base.epoch : 1,
    };
    if (status === 'done')
      for (const f of ['assignments.csv', 'metrics.jsonl', 'summary.json'])
        copyFileSync(join(t.fx.runDir, f), join(dir, f));
    else delete (run as Partial<RunJson>).endedAt;
    writeFileSync(join(dir, 'run.json'), JSON.stringify(run));
    return dir;
  }

  it('keeps the picked run through new, running and finished runs, and lists them', async () => {
    // The newest finished run when the view opens: the page's default.
    const newer = sweepRun('cc-newer', 11, 'done');
    const { source, runsChanged } = notifyingRunSource(t.fx.runsDir);
    const sessions = new RunSessions(source, { isInWorkspace: () => true, log: () => undefined });
    const { ui, record } = recordingUi(t.ws);
    let controller!: GalleryController;
    const h = await openPage(
      t.browser,
      t.origin,
      'gallery',
      (port) => (controller = new GalleryController(sessions, port, ui, new ThumbnailCache(t.thumbDir))),
      { width: 400, height: 900 },
      'sidebar',
    );
    const { page } = h;
    const picked = () => page.locator('.run-picker').evaluate((el) => (el as HTMLSelectElement).value);
    await page.locator('.row.header').first().waitFor();
    await h.idle();
    assert.equal(await picked(), newer);

    // The user picks the older run in the page's picker.
    await h.act('selectRun', () =>
      page.locator('.run-picker').evaluate((el: HTMLElement & { value: string }, dir) => {
        el.value = dir;
        el.dispatchEvent(new Event('change'));
      }, t.fx.runDir),
    );
    assert.equal(await picked(), t.fx.runDir);
    const chosen = h.sent.filter((m) => (m as { type: string }).type === 'selectRun').length;

    // A sweep: each run appears running, then finishes; the run store says the runs changed each time.
    const ids: string[] = [];
    for (const [i, id] of ['sweep-k5', 'sweep-k10'].entries()) {
      sweepRun(id, 12 + i, 'running');
      runsChanged();
      await h.idle();
      sweepRun(id, 12 + i, 'done');
      runsChanged();
      await h.idle();
      ids.push(join(t.fx.runsDir, id));
    }
    await page.waitForFunction(
      (n) => document.querySelectorAll('.run-picker vscode-option').length === n,
      4,
      { timeout: 10_000 },
    );
    await h.idle();
    assert.equal(await picked(), t.fx.runDir, 'the picker stays on the picked run');
    assert.match((await page.locator('.toolbar .status').textContent()) ?? '', /^40 images · 10 clusters/);
    assert.equal(
      h.sent.filter((m) => (m as { type: string }).type === 'selectRun').length,
      chosen,
      'the page asked for no other run',
    );
    // The sweep's runs are offered.
    const offered = await page
      .locator('.run-picker vscode-option')
      .evaluateAll((os) => os.map((o) => (o as HTMLElement & { value: string }).value));
    for (const d of ids) assert.ok(offered.includes(d), d);
    await screenshot(page, 'gallery-sidebar-during-sweep');
    assert.deepEqual(record.errors, []);
    assert.deepEqual(pageErrors(page), []);
    await page.close();
    await controller.dispose();
    await sessions.dispose();
  });
});
