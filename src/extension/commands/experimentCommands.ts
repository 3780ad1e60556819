/**
 * The experiment file's commands, run from its code lenses and the Runs view: run the whole
 * experiment, one run or the grid (`clusterlab.runExperiment`), cancel its sweep, and compare its
 * runs (handed to `clusterlab.compareRuns`, which the compare page registers).
 */
import * as vscode from 'vscode';
import { assertTrusted } from '../trust.js';
import type { Sweeps } from '../sweeps.js';

/** A file as a code lens sends it (a URI string), as VS Code passes it (a Uri), or a Runs view node. */
type FileArg = string | vscode.Uri | { file: string } | undefined;

function fileOf(arg: FileArg): string {
  if (arg instanceof vscode.Uri) return arg.fsPath;
  if (typeof arg === 'string') return arg.startsWith('file:') ? vscode.Uri.parse(arg).fsPath : arg;
  if (arg && typeof arg === 'object' && 'file' in arg) return arg.file;
  const active = vscode.window.activeTextEditor?.document;
  if (active?.fileName.endsWith('.clusterlab.yaml')) return active.fileName;
  throw new Error('open an experiment file (*.clusterlab.yaml) first');
}

export function experimentCommands(sweeps: Sweeps, report: (e: unknown) => Promise<void>): vscode.Disposable[] {
  const commands: Record<string, (arg?: FileArg, entry?: string | string[]) => Promise<unknown>> = {
    'clusterlab.runExperiment': async (arg, entry) => {
      assertTrusted();
      await sweeps.start(fileOf(arg), entry === undefined ? undefined : [entry].flat());
    },
    'clusterlab.cancelExperiment': async (arg) => {
      if (!(await sweeps.cancel(fileOf(arg)))) void vscode.window.showInformationMessage('ClusterLab: that experiment has no sweep running in this window.');
    },
    'clusterlab.compareExperiment': async (arg) => {
      const dirs = await sweeps.runDirs(fileOf(arg));
      if (dirs.length === 0) throw new Error('no run of this experiment has started yet: Run all first');
      if (!(await vscode.commands.getCommands(true)).includes('clusterlab.compareRuns')) throw new Error('comparing runs needs the compare page (clusterlab.compareRuns), which this build does not have');
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
