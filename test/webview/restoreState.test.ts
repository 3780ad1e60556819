// The one-run pages keep the run they show in their webview state, which VS Code hands back to
// the extension's serializer when it restores their tabs after a window reload (issue 30, bug 4),
// beside the view settings they already kept there.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { browserSuite, makeHost, openPage, recordingUi } from './harness.js';

const t = browserSuite('restore');

describe('webview state for restoring tabs', () => {
  for (const name of ['gallery', 'map', 'charts', 'confusion'] as const) {
    it(`the ${name} page keeps the run it shows in its state`, async () => {
      const { ui } = recordingUi(t.ws);
      const host = makeHost(t.fx.runsDir, t.thumbDir, ui);
      const h = await openPage(t.browser, t.origin, name, (port) => host[name](port));
      await h.page.locator('.run-picker').waitFor();
      await h.idle();
      await h.page.waitForFunction(() => typeof (window as { __vscodeState?: { run?: unknown } }).__vscodeState?.run === 'string', undefined, { timeout: 10_000 }).catch(() => undefined);
      const state = await h.page.evaluate(() => (window as { __vscodeState?: { run?: string } }).__vscodeState);
      assert.equal(state?.run, t.fx.runDir);
      await h.page.close();
      await host.sessions.dispose();
    });
  }
});
