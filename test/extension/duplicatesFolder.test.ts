// Find Duplicate Images in Folder… as VS Code runs it (vscode stubbed): the Explorer's folder or
// the palette's open dialog opens the Duplicates page on an image folder with no run.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { commands, stub, Uri, window, workspace, type StubPanel } from './vscodeStub.js';

const { registerPages } = await import('../../src/extension/views/registerPages.js');
const { runDuplicates } = await import('../../src/trainer/curate/duplicates.js');
const { makeDuplicateFolder } = await import('../trainer/curateImages.js');
type State = import('../../src/protocol/duplicatesMessages.js').DuplicatesState;

const ws = mkdtempSync(join(tmpdir(), 'clusterlab-dupdir-ext-'));
const data = join(ws, 'photos');
await makeDuplicateFolder(data);
workspace.getWorkspaceFolder = (uri) => (uri.fsPath.startsWith(`${ws}/`) ? { uri: Uri.file(ws) } : undefined);
const context = {
  subscriptions: [] as { dispose(): unknown }[],
  globalStorageUri: Uri.file(join(ws, 'storage')),
  extensionUri: Uri.file(process.cwd()),
};
registerPages(context as never, {
  // No runs yet: the user dedupes before training.
  runs: { listRuns: async () => [], onDidChange: () => ({ dispose: () => undefined }) },
  duplicates: (dir, by, threshold) => runDuplicates(dir, by, threshold, join(ws, 'cache')),
  log: () => undefined,
});
after(() => {
  for (const d of context.subscriptions) d.dispose();
  rmSync(ws, { recursive: true, force: true });
});

/** The page's newest state once `ok` holds for it. */
async function until(panel: StubPanel, ok: (s: State) => boolean): Promise<State> {
  for (let i = 0; i < 600; i++) {
    const s = panel.posted.filter((m): m is State => (m as State).type === 'duplicates').at(-1);
    if (s && ok(s)) return s;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no such state in ${JSON.stringify(panel.posted.at(-1))}`);
}

test("the Explorer's folder opens the Duplicates page on it; the palette asks for one (cancel: nothing opens); a folder outside the workspace is refused on the page", async () => {
  const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as {
    contributes: { menus: Record<string, { command: string; when?: string }[]> };
  };
  assert.deepEqual(
    manifest.contributes.menus['explorer/context']!.find(
      (m) => m.command === 'clusterlab.findDuplicatesInFolder',
    ),
    { command: 'clusterlab.findDuplicatesInFolder', when: 'explorerResourceIsFolder', group: '7_clusterlab' },
  );

  await commands.executeCommand('clusterlab.findDuplicatesInFolder', Uri.file(data));
  assert.deepEqual(
    stub.panels.map((p) => p.viewType),
    ['clusterlab.duplicates'],
  );
  const panel = stub.panels[0]!;
  panel.receive({ type: 'ready' });
  const shown = await until(panel, (s) => s.result !== undefined);
  assert.deepEqual(shown.folder, { dir: data, name: 'photos' });
  assert.ok(
    shown.result!.groups.some((g) => g.members.map((m) => m.path).join() === 'a/one.png,b/one-copy.png'),
    JSON.stringify(shown.result!.groups),
  );
  assert.equal(stub.shown.length, 0, 'nothing asked');

  stub.answer(undefined);
  await commands.executeCommand('clusterlab.findDuplicatesInFolder');
  assert.deepEqual(
    stub.shown.map((s) => s.kind),
    ['openDialog'],
  );
  assert.equal(stub.panels.length, 1);

  const outside = mkdtempSync(join(tmpdir(), 'clusterlab-dupdir-outside-'));
  try {
    stub.answer(outside);
    await commands.executeCommand('clusterlab.findDuplicatesInFolder');
    assert.equal(stub.panels.length, 1, 'the open page shows it');
    const refused = await until(panel, (s) => s.folder?.dir === outside);
    assert.equal(
      refused.error,
      `${outside} is outside the workspace: ClusterLab reads images and writes exclusion lists only inside it`,
    );
  } finally {
    rmSync(outside, { recursive: true, force: true });
  }
});

test('after a window reload the Duplicates tab shows the folder it showed again; one since removed falls back to the runs', async () => {
  const restore = async (state: unknown) => {
    await stub.serializers
      .get('clusterlab.duplicates')!
      .deserializeWebviewPanel(window.createWebviewPanel('clusterlab.duplicates'), state);
    const panel = stub.panels.at(-1)!;
    panel.receive({ type: 'ready' });
    return panel;
  };
  const again = await restore({ run: data });
  assert.deepEqual((await until(again, (s) => s.result !== undefined)).folder, { dir: data, name: 'photos' });
  const gone = await restore({ run: join(ws, 'removed') });
  assert.match((await until(gone, (s) => s.error !== undefined)).error!, /^No runs yet: choose a folder/);
  again.dispose();
  gone.dispose();
});
