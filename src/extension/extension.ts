import * as vscode from 'vscode';
import { Requests } from '../protocol/server.js';
import { registerCommands } from './commands/commands.js';
import { allRunsDirs, readSettings } from './settings.js';
import { layoutRequest, TrainerClient } from './trainerClient.js';
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
  // The trainer resolves tfjs-node(-gpu) from the user's folder first (src/trainer/backend/native.ts).
  const client = new TrainerClient(context.asAbsolutePath('dist/server.mjs'), log, () => {
    const path = readSettings().nativeBackendPath.trim();
    return path ? { CLUSTERLAB_NATIVE_BACKEND_PATH: path } : {};
  });
  trainer = client;
  const status = new TrainingStatusBar();
  const training = new TrainingRuns(client, store, status, readSettings, log);
  const tree = new RunsTree(store);
  const treeView = vscode.window.createTreeView<RunsNode>('clusterlab.runs', { treeDataProvider: tree, showCollapseAll: true, canSelectMany: true });
  const views = registerViews(context, {
    runs: store,
    // Untrusted, no trainer starts: datasets are then not watched for new images.
    ...(vscode.workspace.isTrusted
      ? { assign: async (runDir: string, files: string[]) => (await client.request(Requests.assign, { runDir, files })).assignments, layout: layoutRequest(client) }
      : {}),
    log: (m) => log.info(m),
  });
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
    ...registerCommands({ store, training, trainer: client, log, settings: readSettings, refreshRuns: () => tree.refresh() }),
    vscode.workspace.onDidChangeWorkspaceFolders(rootsChanged),
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('clusterlab.runsFolder') && rootsChanged()),
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('clusterlab.nativeBackendPath') && void nativePathChanged(client, training, log)),
  );
  log.info('ClusterLab activated');
}

/** The trainer reads the native folder when it starts: an idle one is stopped, and the next request starts it anew. */
async function nativePathChanged(client: TrainerClient, training: TrainingRuns, log: vscode.LogOutputChannel): Promise<void> {
  if (training.active.length > 0) {
    log.info('clusterlab.nativeBackendPath changed: it applies when the run in flight has ended and the trainer restarts (or after a window reload)');
    return;
  }
  await client.stop();
  log.info('clusterlab.nativeBackendPath changed: the trainer restarts with it on its next request');
}

/** Stops the trainer: a run in flight is cancelled and stays resumable. */
export function deactivate(): Promise<void> | undefined {
  return trainer?.stop();
}
