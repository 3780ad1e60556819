/**
 * The experiment file's commands, run from its code lenses and the Runs view: run the whole
 * experiment, one run or the grid (`clusterlab.runExperiment`), cancel its sweep, remove it (its
 * queue), and compare its runs (handed to `clusterlab.compareRuns`, which the compare page registers).
 */
import * as vscode from 'vscode';
import { assertTrusted } from '../trust.js';
import type { Sweeps } from '../sweeps.js';
import { allRunsDirs } from '../settings.js';

/** A file as a code lens sends it (a URI string), as VS Code passes it (a Uri), or a Runs view node. */
type FileArg = string | vscode.Uri | { file: string } | undefined;

function fileOf(arg: FileArg): string {
  if (typeof arg === 'string') return arg.startsWith('file:') ? vscode.Uri.parse(arg).fsPath : arg;
  if (arg && typeof arg === 'object' && 'file' in arg) return arg.file;
  if (arg instanceof vscode.Uri) return arg.fsPath;
  const active = vscode.window.activeTextEditor?.document;
  if (active?.fileName.endsWith('.clusterlab.yaml')) return active.fileName;
  throw new Error('open an experiment file (*.clusterlab.yaml) first');
}

export function experimentCommands(
  sweeps: Sweeps,
  report: (e: unknown) => Promise<void>,
): vscode.Disposable[] {
  const commands: Record<string, (arg?: FileArg, entry?: string | string[]) => Promise<unknown>> = {
    'clusterlab.runExperiment': async (arg, entry) => {
      assertTrusted();
      await sweeps.start(fileOf(arg), entry === undefined ? undefined : [entry].flat());
    },
    'clusterlab.cancelExperiment': async (arg) => {
      if (!(await sweeps.cancel(fileOf(arg))))
        void vscode.window.showInformationMessage(
          'ClusterLab: that experiment has no sweep running in this window.',
        );
    },
    'clusterlab.removeSweep': async (arg) => {
      const file = fileOf(arg);
      const name = vscode.workspace.asRelativePath(file);
      const remove = 'Remove Sweep';
      const detail = `Its queue is forgotten: runs not trained yet are no longer listed and nothing continues the sweep${sweeps.isRunning(file) ? ' (the run in flight is cancelled first)' : ''}. Run folders already trained stay; Delete Run removes them.`;
      if (
        (await vscode.window.showWarningMessage(
          `Remove the sweep of ${name}?`,
          { modal: true, detail },
          remove,
        )) !== remove
      )
        return;
      const removed = await sweeps.remove(file, allRunsDirs());
      await vscode.commands.executeCommand('clusterlab.refreshRuns');
      if (removed === 0)
        void vscode.window.showInformationMessage(`ClusterLab: ${name} had no queue to remove.`);
    },
    'clusterlab.compareExperiment': async (arg) => {
      const dirs = await sweeps.runDirs(fileOf(arg));
      if (dirs.length === 0) throw new Error('no run of this experiment has started yet: Run all first');
      if (!(await vscode.commands.getCommands(true)).includes('clusterlab.compareRuns'))
        throw new Error(
          'comparing runs needs the compare page (clusterlab.compareRuns), which this build does not have',
        );
      await vscode.commands.executeCommand('clusterlab.compareRuns', dirs);
    },
  };
  return Object.entries(commands).map(([id, run]) =>
    vscode.commands.registerCommand(id, async (arg?: FileArg, entry?: string | string[]) => {
      try {
        await run(arg, entry);
      } catch (e) {
        await report(e);
      }
    }),
  );
}
