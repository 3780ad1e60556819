import * as vscode from 'vscode';
import { runLabelOf } from '../methods.js';
import type { BrokenRunNode, RunNode } from '../views/runsTree.js';
import type { RunEntry, RunStore } from '../workspace/runStore.js';

/**
 * What a run command was invoked on: a Runs tree item, a run folder path (from a notification's
 * button), or nothing (the command palette), in which case the user picks from the runs that fit.
 */
export type RunTarget = RunNode | BrokenRunNode | string | undefined;

export interface PickOptions {
  /** Which runs the command applies to. */
  filter(e: RunEntry): boolean;
  placeHolder: string;
  /** Said when no run fits. */
  none: string;
}

/** The run folder (and its run.json when readable), or undefined when the user backed out. */
export async function pickRun(
  store: RunStore,
  target: RunTarget,
  o: PickOptions,
): Promise<{ dir: string; run?: RunEntry['run']; name?: string } | undefined> {
  if (typeof target === 'string') return { dir: target, run: await store.readRun(target) };
  if (target?.kind === 'run')
    return { dir: target.dir, run: target.run, ...(target.name ? { name: target.name } : {}) };
  if (target?.kind === 'broken') return { dir: target.dir };
  const runs = (await store.listRuns()).filter(o.filter);
  if (runs.length === 0) {
    void vscode.window.showInformationMessage(`ClusterLab: ${o.none}`);
    return undefined;
  }
  const items = runs.map((r) => ({
    label: runLabelOf(r.run, r.name),
    description: `${r.run.status} · ${r.run.id}`,
    detail: r.dir,
    entry: r,
  }));
  const pick = await vscode.window.showQuickPick(items, {
    placeHolder: o.placeHolder,
    matchOnDescription: true,
  });
  return pick?.entry;
}
