/**
 * "Assign Images with This Run…": a folder of new images through a finished run, without training
 * (the trainer's assignFolder request, the code of `clusterlab assign`). The result is written
 * beside the run (src/common/assignedFiles.ts); an earlier one is replaced only when the user says so.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import { assignedPaths } from '../../common/assignedFiles.js';
import { Requests, type AssignFolderResult } from '../../protocol/server.js';
import { runLabelOf } from '../methods.js';
import type { Trainer } from '../trainerClient.js';
import { assertTrusted } from '../trust.js';
import type { RunStore } from '../workspace/runStore.js';
import { pickRun, type RunTarget } from './pickRun.js';

export async function assignImages(
  deps: { store: RunStore; trainer: Trainer },
  target: RunTarget,
): Promise<AssignFolderResult | undefined> {
  assertTrusted();
  const picked = await pickRun(deps.store, target, {
    filter: (e) => e.run.status === 'done',
    placeHolder: 'Run whose clusters the new images go to',
    none: 'no finished run: a run assigns new images once it has finished.',
  });
  if (!picked?.run) return undefined;
  const label = runLabelOf(picked.run, picked.name);
  if (picked.run.status !== 'done')
    throw new Error(`${label} is ${picked.run.status}: only a finished run assigns new images`);
  const chosen = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: false,
    openLabel: 'Assign',
    title: `Assign Images with ${label}`,
    defaultUri: vscode.Uri.file(dirname(picked.run.dataset.root)),
  });
  const data = chosen?.[0]?.fsPath;
  if (!data) return undefined;
  const { csv } = assignedPaths(picked.dir, data);
  let overwrite = false;
  if (existsSync(csv)) {
    const replace = 'Replace';
    const answer = await vscode.window.showWarningMessage(
      `${basename(data)} was assigned with this run before. Replace that result?`,
      { modal: true, detail: `${csv} is replaced by the new assignments.` },
      replace,
    );
    if (answer !== replace) return undefined;
    overwrite = true;
  }
  const result = await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `ClusterLab: assigning ${basename(data)} with ${label}`,
    },
    async (progress) => {
      const workDoneToken = `clusterlab-assign-${randomUUID()}`;
      let shown = 0;
      const sub = deps.trainer.onProgress(workDoneToken, (v) => {
        if (v.kind === 'end') return;
        const increment = v.percentage === undefined ? undefined : v.percentage - shown;
        if (v.percentage !== undefined) shown = v.percentage;
        progress.report({
          ...(v.message ? { message: v.message } : {}),
          ...(increment ? { increment } : {}),
        });
      });
      try {
        return await deps.trainer.request(Requests.assignFolder, {
          runDir: picked.dir,
          data,
          overwrite,
          workDoneToken,
        });
      } finally {
        sub.dispose();
      }
    },
  );
  const h = result.header;
  const clusters = h.clusterSizes.filter((n) => n > 0).length;
  const skipped =
    h.skipped.length > 0 ? `, ${h.skipped.length} skipped (the reasons are in the .json beside the CSV)` : '';
  const open = 'Open File';
  const reveal = 'Reveal Folder';
  const answer = await vscode.window.showInformationMessage(
    `ClusterLab: assigned ${h.assigned} of ${h.images} images of ${basename(h.data)} to ${clusters} clusters with ${label}${skipped}.`,
    open,
    reveal,
  );
  if (answer === open) await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(result.csv));
  else if (answer === reveal)
    await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(result.csv));
  return result;
}
