import * as vscode from 'vscode';
import { Requests } from '../protocol/server.js';
import { isExperimentFile } from '../common/experiment/format.js';
import { registerCommands, report } from './commands/commands.js';
import { experimentCommands } from './commands/experimentCommands.js';
import { Sweeps } from './sweeps.js';
import { listQueues } from '../common/experiment/queue.js';
import { allRunsDirs, readSettings } from './settings.js';
import { duplicatesRequest, layoutRequest, TrainerClient } from './trainerClient.js';
import { TrainingRuns } from './trainingRuns.js';
import { registerPages } from './views/registerPages.js';
import { RunsTree, type RunsNode } from './views/runsTree.js';
import { TrainingStatusBar } from './views/statusBar.js';
import { RunStore } from './workspace/runStore.js';

let trainer: TrainerClient | undefined;
let sweeps: Sweeps | undefined;

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
  const sweep = new Sweeps(training, store, readSettings, log);
  sweeps = sweep;
  const views = registerPages(context, {
    runs: store,
    // Untrusted, no trainer starts: datasets are then not watched for new images.
    ...(vscode.workspace.isTrusted
      ? {
          assign: async (runDir: string, files: string[]) =>
            (await client.request(Requests.assign, { runDir, files })).assignments,
          layout: layoutRequest(client),
          duplicates: duplicatesRequest(client),
        }
      : {}),
    log: (m) => log.info(m),
  });
  const tree = new RunsTree(store, undefined, views.live, {
    queues: async () => (await listQueues(allRunsDirs())).map((q) => q.queue),
    isRunning: (file) => sweep.isRunning(file),
  });
  const treeView = vscode.window.createTreeView<RunsNode>('clusterlab.runs', {
    treeDataProvider: tree,
    showCollapseAll: true,
    canSelectMany: true,
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
    training.onDidChangeRun(() => tree.refresh()),
    ...registerCommands({
      store,
      training,
      trainer: client,
      log,
      settings: readSettings,
      refreshRuns: () => tree.refresh(),
    }),
    ...experimentCommands(sweep, report),
    ...serveExperimentFiles(client, sweep, log),
    vscode.workspace.onDidChangeWorkspaceFolders(rootsChanged),
    vscode.workspace.onDidChangeConfiguration(
      (e) => e.affectsConfiguration('clusterlab.runsFolder') && rootsChanged(),
    ),
    vscode.workspace.onDidChangeConfiguration(
      (e) =>
        e.affectsConfiguration('clusterlab.nativeBackendPath') &&
        void nativePathChanged(client, training, log),
    ),
  );
  log.info('ClusterLab activated');
}

/** The trainer reads the native folder when it starts: an idle one is stopped, and the next request starts it anew. */
async function nativePathChanged(
  client: TrainerClient,
  training: TrainingRuns,
  log: vscode.LogOutputChannel,
): Promise<void> {
  if (training.active.length > 0) {
    log.info(
      'clusterlab.nativeBackendPath changed: it applies when the run in flight has ended and the trainer restarts (or after a window reload)',
    );
    return;
  }
  await client.stop();
  log.info('clusterlab.nativeBackendPath changed: the trainer restarts with it on its next request');
}

/**
 * The trainer checks experiment files, so it starts when one is open (trusted workspaces only:
 * untrusted, the files get no diagnostics; `clusterlab run FILE --check` checks them). Sweeps a
 * reload or a crash left unfinished continue.
 */
function serveExperimentFiles(
  client: TrainerClient,
  sweep: Sweeps,
  log: vscode.LogOutputChannel,
): vscode.Disposable[] {
  const isExperiment = (d: vscode.TextDocument) => d.uri.scheme === 'file' && isExperimentFile(d.fileName);
  const start = async () => {
    try {
      await client.ensureStarted();
      await sweep.continueUnfinished(allRunsDirs());
    } catch (e) {
      log.error(`experiment files: ${(e as Error).message}`);
    }
  };
  if (!vscode.workspace.isTrusted) return [vscode.workspace.onDidGrantWorkspaceTrust(() => void start())];
  if (vscode.workspace.textDocuments.some(isExperiment)) void start();
  else void sweep.continueUnfinished(allRunsDirs());
  return [
    vscode.workspace.onDidOpenTextDocument(
      (d) => isExperiment(d) && void client.ensureStarted().catch((e: Error) => log.error(e.message)),
    ),
  ];
}

/** Stops the trainer: a run in flight is cancelled and stays resumable, and so does its sweep. */
export function deactivate(): Promise<void> | undefined {
  if (sweeps) sweeps.stopping = true;
  return trainer?.stop();
}
