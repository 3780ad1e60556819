// Pages as editor tabs: the one-run pages keep the run they show in their webview state, which
// VS Code hands back to the extension's serializer when it restores their tabs after a window
// reload (issue 30, bug 4); only the side-bar gallery offers to open the gallery in a tab (bug 10).
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { PAGES, PAGE_NAMES } from '../../src/extension/views/pages.js';
import { browserSuite, makeHost, openPage, recordingUi, screenshot } from './harness.js';

const t = browserSuite('tabs');

describe('pages as editor tabs', () => {
  for (const name of PAGE_NAMES.filter((p) => PAGES[p].restored)) {
    it(`the ${name} page keeps the run it shows in its state`, async () => {
      const { ui } = recordingUi(t.ws);
      const host = makeHost(t.fx.runsDir, t.thumbDir, ui);
      const h = await openPage(t.browser, t.origin, name, host[name]);
      await h.page.locator('.run-picker').waitFor();
      await h.idle();
      await h.page
        .waitForFunction(
          () => typeof (window as { __vscodeState?: { run?: unknown } }).__vscodeState?.run === 'string',
          undefined,
          { timeout: 10_000 },
        )
        .catch(() => undefined);
      const state = await h.page.evaluate(
        () => (window as { __vscodeState?: { run?: string } }).__vscodeState,
      );
      assert.equal(state?.run, t.fx.runDir);
      await h.page.close();
      await host.sessions.dispose();
    });
  }

  it('only the side-bar gallery offers "Open the gallery in an editor tab"', async () => {
    const offered: boolean[] = [];
    for (const place of ['panel', 'sidebar'] as const) {
      const { ui, record } = recordingUi(t.ws);
      const host = makeHost(t.fx.runsDir, t.thumbDir, ui);
      const h = await openPage(
        t.browser,
        t.origin,
        'gallery',
        (port) => host.gallery(port),
        { width: 1200, height: 800 },
        place,
      );
      await h.page.locator('.row.header').first().waitFor();
      await h.idle();
      const button = h.page.locator('vscode-toolbar-button[label="Open the gallery in an editor tab"]');
      offered.push((await button.count()) === 1);
      if (place === 'sidebar') {
        await h.act('openPanel', () => button.click());
        assert.deepEqual(record.galleries, [{ dir: t.fx.runDir }]);
        await screenshot(h.page, 'gallery-sidebar-toolbar');
      } else await screenshot(h.page, 'gallery-tab-toolbar');
      await h.page.close();
      await host.sessions.dispose();
    }
    assert.deepEqual(offered, [false, true]);
  });
});
