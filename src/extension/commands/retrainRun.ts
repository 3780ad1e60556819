/**
 * "Retrain with My Corrections" on a finished run: the trainer continues it in a new run beside it
 * with the user's moves as anchors (src/trainer/run/retrain.ts); when that run is done, Compare
 * opens on the two, before and after. A refusal (moved images no longer there, a method that takes
 * no anchors) is the trainer's one line, shown before any run starts.
 */
import * as vscode from 'vscode';
import { METHOD_SPECS } from '../../common/methods/index.js';
import { runLabelOf } from '../methods.js';
import { assertTrusted } from '../trust.js';
import type { TrainingRuns } from '../trainingRuns.js';
import type { RunStore } from '../workspace/runStore.js';
import { pickRun, type RunTarget } from './pickRun.js';

export async function retrainRun(
  deps: { store: RunStore; training: TrainingRuns },
  target: RunTarget,
): Promise<void> {
  assertTrusted();
  const picked = await pickRun(deps.store, target, {
    filter: (e) => e.run.status === 'done' && METHOD_SPECS[e.run.method].corrections !== undefined,
    placeHolder: 'Finished run to retrain with your corrections (moves in its gallery)',
    none: 'no run to retrain: finished CC, SCAN and DeepCluster runs can be.',
  });
  if (!picked?.run) return;
  if (picked.run.status !== 'done')
    throw new Error(
      `${runLabelOf(picked.run)} is ${picked.run.status}: only a finished run can be retrained`,
    );
  const before = picked.dir;
  // Listening before the start: a short retrain may end before the start's answer is handled.
  const ended = new Map<string, string>();
  let after: string | undefined;
  const compareIfDone = () => {
    sub.dispose();
    if (ended.get(after!) === 'done')
      void vscode.commands.executeCommand('clusterlab.compareRuns', [before, after]);
  };
  const sub = deps.training.onDidEnd((e) => {
    ended.set(e.runDir, e.status);
    if (e.runDir === after) compareIfDone();
  });
  try {
    after = (await deps.training.retrain({ dir: before, run: picked.run })).runDir;
  } catch (e) {
    sub.dispose();
    throw e;
  }
  if (ended.has(after)) compareIfDone();
}
