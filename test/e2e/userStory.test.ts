// The whole user story in a real VS Code (code-server) driven through its UI in Chromium.
// Screenshots of every step go to test-output/e2e/.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startCodeServer, type CodeServer } from './codeServer.js';
import { Workbench } from './workbench.js';
import { makeSampleWorkspace } from './workspace.js';

const SHOTS = resolve('test-output/e2e');

describe('ClusterLab in VS Code, as a new user', () => {
  let home: string;
  let server: CodeServer;
  let wb: Workbench;

  /** A test step that, failing, leaves a screenshot and code-server's last words behind. */
  const step = (name: string, body: () => Promise<void>) =>
    it(name, async () => {
      try {
        await body();
      } catch (e) {
        const shot = await wb.shot(`FAILED-${name.replace(/\W+/g, '-')}`).catch(() => 'none');
        throw new Error(`${(e as Error).message}\nscreenshot: ${shot}\ncode-server said:\n${server.output().slice(-3000)}`, { cause: e });
      }
    });

  before(async () => {
    rmSync(SHOTS, { recursive: true, force: true });
    home = mkdtempSync(join(tmpdir(), 'clusterlab-e2e-'));
    const workspace = join(home, 'workspace');
    makeSampleWorkspace(workspace, 30);
    server = await startCodeServer({ home, workspace });
    wb = await Workbench.open(server.url, SHOTS);
  });

  after(async () => {
    await wb?.close();
    await server?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  step('activates: its trainer log is a channel of the Output panel', async () => {
    await wb.command('ClusterLab: Show Trainer Log');
    // Fails on timeout unless one of the panel's drop-downs, the Output channel, shows ClusterLab.
    await wb.page.waitForFunction(() => [...document.querySelectorAll<HTMLSelectElement>('.panel select.monaco-select-box')].some((s) => s.selectedOptions[0]?.text === 'ClusterLab'));
    await wb.shot('trainer-log');
  });
});
