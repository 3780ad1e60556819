import * as vscode from 'vscode';
import { Requests } from '../protocol/server.js';
import { registerCommands } from './commands/commands.js';
import { allRunsDirs, readSettings } from './settings.js';
import { TrainerClient } from './trainerClient.js';
import { TrainingRuns } from './trainingRuns.js';
import { registerViews } from './views/galleryViews.js';
import { RunsTree, type RunsNode } from './views/runsTree.js';
import { TrainingStatusBar } from './views/statusBar.js';
import { RunStore } from './workspace/runStore.js';

let trainer: TrainerClient | undefined;

/** Wires the extension's parts together; the parts themselves live in their own modules. */
export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('ClusterLab', { log: true });
  const store = new RunStore(allRunsDirs());
  const client = new TrainerClient(context.asAbsolutePath('dist/server.mjs'), log);
  trainer = client;
  const status = new TrainingStatusBar();
  const training = new TrainingRuns(client, store, status, readSettings, log);
  const views = registerViews(context, {
    runs: store,
    // Untrusted, no trainer starts: datasets are then not watched for new images.
    ...(vscode.workspace.isTrusted ? { assign: async (runDir: string, files: string[]) => (await client.request(Requests.assign, { runDir, files })).assignments } : {}),
    log: (m) => log.info(m),
  });
  const tree = new RunsTree(store, undefined, views.live);
  const treeView = vscode.window.createTreeView<RunsNode>('clusterlab.runs', { treeDataProvider: tree, showCollapseAll: true });
  const rootsChanged = () => store.setRoots(allRunsDirs());
  context.subscriptions.push(
    log,
    store,
    client,
    status,
    training,
    tree,
    treeView,
    treeView.onDidChangeSelection((e) => e.selection[0]?.kind === 'run' && views.showRun(e.selection[0].dir)),
    views.onDidEditLabels(() => tree.refresh()),
    training.onDidChangeRun(() => tree.refresh()),
    ...registerCommands({ store, training, trainer: client, log, settings: readSettings, refreshRuns: () => tree.refresh() }),
    vscode.workspace.onDidChangeWorkspaceFolders(rootsChanged),
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('clusterlab.runsFolder') && rootsChanged()),
  );
  log.info('ClusterLab activated');
}

/** Stops the trainer: a run in flight is cancelled and stays resumable. */
export function deactivate(): Promise<void> | undefined {
  return trainer?.stop();
}
