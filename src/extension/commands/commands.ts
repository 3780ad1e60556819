/**
 * Every ClusterLab command: train, cancel, resume, open and delete runs, the log and a refresh.
 * Failures reach the user as one message; training ones in an untrusted workspace explain why.
 */
import { relative } from 'node:path';
import * as vscode from 'vscode';
import type { RunJson, RunStatus, SummaryJson } from '../../protocol/run.js';
import { Requests } from '../../protocol/server.js';
import { renameRun, runLabelOf } from '../methods.js';
import { addFeatureModel, runsDirOf, type Settings } from '../settings.js';
import type { Trainer } from '../trainerClient.js';
import { assertTrusted, UntrustedWorkspaceError } from '../trust.js';
import type { Log, TrainingRuns } from '../trainingRuns.js';
import { estimateRun } from '../runEstimate.js';
import { describeFolder, findDatasets } from '../../common/datasets.js';
import { probeFolder } from '../workspace/folderProbe.js';
import type { RunStore } from '../workspace/runStore.js';
import { assignImages } from './assignImages.js';
import { checkBackends } from './checkBackends.js';
import { pickRun, type RunTarget } from './pickRun.js';
import { retrainRun } from './retrainRun.js';
import { trainFlow } from './trainFlow.js';

export interface CommandDeps {
  store: RunStore;
  training: TrainingRuns;
  trainer: Trainer;
  log: Log;
  settings(): Settings;
  refreshRuns(): void;
}

const RESUMABLE = new Set<RunStatus>(['cancelled', 'interrupted', 'failed']);

export function registerCommands(deps: CommandDeps): vscode.Disposable[] {
  const commands: Record<string, (arg?: never) => Promise<unknown> | void> = {
    'clusterlab.train': (uri?: vscode.Uri) => train(deps, uri),
    'clusterlab.cancelRun': (target?: RunTarget) => cancelRun(deps, target),
    'clusterlab.resumeRun': (target?: RunTarget) => resumeRun(deps, target),
    'clusterlab.openRunFolder': (target?: RunTarget) => openRunFolder(deps, target),
    'clusterlab.deleteRun': (target?: RunTarget) => deleteRun(deps, target),
    'clusterlab.renameRun': (target?: RunTarget) => renameRunCommand(deps, target),
    'clusterlab.assignImages': (target?: RunTarget) => assignImages(deps, target),
    'clusterlab.retrainRun': (target?: RunTarget) => retrainRun(deps, target),
    'clusterlab.showLog': () => deps.log.show(),
    'clusterlab.refreshRuns': () => deps.refreshRuns(),
    'clusterlab.checkBackends': async () =>
      checkBackends(await deps.trainer.request(Requests.listBackends, { refresh: true }), deps.log),
  };
  return Object.entries(commands).map(([id, run]) =>
    vscode.commands.registerCommand(id, async (arg?: never) => {
      try {
        await run(arg);
      } catch (e) {
        await report(e);
      }
    }),
  );
}

export async function report(e: unknown): Promise<void> {
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof UntrustedWorkspaceError) {
    const manage = 'Manage Workspace Trust';
    if ((await vscode.window.showWarningMessage(message, manage)) === manage)
      await vscode.commands.executeCommand('workbench.trust.manage');
  } else void vscode.window.showErrorMessage(`ClusterLab: ${message}`);
}

function workspaceFolders(): string[] {
  return (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
}

async function train(deps: CommandDeps, uri?: vscode.Uri): Promise<void> {
  assertTrusted();
  const folders = workspaceFolders();
  if (folders.length === 0)
    throw new Error('open a folder first: runs are kept in the workspace (setting clusterlab.runsFolder)');
  const settings = deps.settings();
  const config = await trainFlow(
    {
      workspaceFolders: folders,
      findDatasets: (root) => findDatasets(root),
      describeFolder: (dir) => describeFolder(dir),
      probeFolder: (dir, sample) => probeFolder(dir, sample),
      defaults: (method, data) => deps.trainer.request(Requests.defaults, { method, data }),
      backends: () => deps.trainer.request(Requests.listBackends, {}),
      plan: (config) => deps.trainer.request(Requests.plan, { config }),
      estimate: async (config, images) => estimateRun(await finishedRuns(deps.store), config, images),
      settings,
      addFeatureModel,
    },
    uri?.fsPath,
  );
  if (!config) return;
  // The run goes with the workspace folder that holds the data (the first one for data outside).
  const home = folders.find((f) => !relative(f, config.data).startsWith('..')) ?? folders[0]!;
  await deps.training.train(config, runsDirOf(home, settings));
}

/** Finished runs with their summaries, for the wizard's estimate. */
async function finishedRuns(store: RunStore): Promise<{ run: RunJson; summary: SummaryJson }[]> {
  const done = (await store.listRuns()).filter((r) => r.run.status === 'done');
  const withSummary = await Promise.all(
    done.map(async (r) => ({ run: r.run, summary: await store.readSummary(r.dir).catch(() => undefined) })),
  );
  return withSummary.filter((r): r is { run: RunJson; summary: SummaryJson } => r.summary !== undefined);
}

async function cancelRun(deps: CommandDeps, target: RunTarget): Promise<void> {
  const active = deps.training.active;
  let runId: string | undefined;
  if (typeof target === 'object') {
    runId = active.find((a) => a.runDir === target.dir)?.runId;
    if (!runId)
      throw new Error(
        `${target.dir} is not training in this window (a command-line run stops with Ctrl-C where it runs)`,
      );
  } else if (active.length === 0) {
    void vscode.window.showInformationMessage('ClusterLab: no run is training.');
    return;
  } else if (active.length === 1) runId = active[0]!.runId;
  else
    runId =
      (await vscode.window.showQuickPick(
        active.map((a) => a.runId),
        { placeHolder: 'Run to cancel' },
      )) ?? undefined;
  if (runId) await deps.training.cancel(runId);
}

async function resumeRun(deps: CommandDeps, target: RunTarget): Promise<void> {
  assertTrusted();
  const picked = await pickRun(deps.store, target, {
    filter: (e) => RESUMABLE.has(e.run.status),
    placeHolder: 'Run to resume from its last checkpoint',
    none: 'no run to resume: only cancelled, interrupted and failed runs can be.',
  });
  if (!picked?.run) return;
  if (!RESUMABLE.has(picked.run.status))
    throw new Error(
      `${runLabelOf(picked.run)} is ${picked.run.status}: only cancelled, interrupted and failed runs can be resumed`,
    );
  await deps.training.resume({ dir: picked.dir, run: picked.run });
}

async function openRunFolder(deps: CommandDeps, target: RunTarget): Promise<void> {
  const picked = await pickRun(deps.store, target, {
    filter: () => true,
    placeHolder: 'Run folder to show',
    none: 'no runs yet.',
  });
  if (!picked) return;
  const uri = vscode.Uri.file(picked.dir);
  const inWorkspace = workspaceFolders().some((f) => !relative(f, picked.dir).startsWith('..'));
  await vscode.commands.executeCommand(inWorkspace ? 'revealInExplorer' : 'revealFileInOS', uri);
}

async function renameRunCommand(deps: CommandDeps, target: RunTarget): Promise<void> {
  const picked = await pickRun(deps.store, target, {
    filter: () => true,
    placeHolder: 'Run to rename',
    none: 'no runs yet.',
  });
  if (!picked?.run) return;
  const current = runLabelOf(picked.run, picked.name);
  const name = await vscode.window.showInputBox({
    title: 'Rename Run',
    prompt: "The run's name in the Runs tree and the pages (empty: method · dataset · time)",
    value: current,
  });
  if (name === undefined || name === current) return;
  await renameRun(picked.dir, name);
  deps.refreshRuns();
}

async function deleteRun(deps: CommandDeps, target: RunTarget): Promise<void> {
  const picked = await pickRun(deps.store, target, {
    filter: (e) => !deps.training.isTraining(e.dir),
    placeHolder: 'Run to delete',
    none: 'no runs to delete.',
  });
  if (!picked) return;
  if (deps.training.isTraining(picked.dir)) throw new Error('cancel the run before deleting it');
  const name = picked.run ? `${runLabelOf(picked.run, picked.name)} (${picked.run.id})` : picked.dir;
  const confirm = 'Delete';
  const answer = await vscode.window.showWarningMessage(
    `Delete the run ${name}?`,
    {
      modal: true,
      detail: `Its folder ${picked.dir} is deleted for good: checkpoint, metrics, assignments and your cluster names.`,
    },
    confirm,
  );
  if (answer === confirm) await deps.store.deleteRun(picked.dir);
}
