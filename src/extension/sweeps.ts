/**
 * Experiment sweeps in this window: "Run all" (or one run, or the grid) queues an experiment's
 * runs and trains them one after another through the trainer. The queue file in the runs folder
 * says which sweeps are unfinished: on activation they continue (a window reload, a crash), and
 * finished runs are never trained again. Cancel stops the run in flight and the sweep.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { allProblems } from '../common/experiment/dataset.js';
import type { Experiment, ExperimentRun } from '../common/experiment/format.js';
import { parseExperiment } from '../common/experiment/parse.js';
import {
  listQueues,
  newQueue,
  queuePath,
  runSweep,
  setAsideDamagedQueue,
  type DriverEnd,
  type QueueFile,
  type SweepDriver,
} from '../common/experiment/queue.js';
import { readExperimentFile } from '../common/experiment/readFile.js';
import { experimentRunDir } from '../common/runPlace.js';
import { runsDirOf, type Settings } from './settings.js';
import type { Log, TrainingRuns } from './trainingRuns.js';
import { describeFolder } from '../common/datasets.js';
import type { RunStore } from './workspace/runStore.js';

interface Sweep {
  file: string;
  cancelled: boolean;
  done: Promise<void>;
}

export class Sweeps {
  private readonly sweeps = new Map<string, Sweep>();
  /** Set on deactivate: the run in flight is cancelled by the trainer's stop, but the sweep goes on after the reload. */
  stopping = false;

  constructor(
    private readonly training: TrainingRuns,
    private readonly store: Pick<RunStore, 'readRun'>,
    private readonly settings: () => Settings,
    private readonly log: Log,
  ) {}

  /** Experiment files with a sweep in flight here. */
  isRunning(file: string): boolean {
    return this.sweeps.has(file);
  }

  /** Reads and checks the file (the open editor's text when it is open) as the language server does. */
  async load(file: string): Promise<{ exp: Experiment; runsDir: string }> {
    // An editor may still hold the text of a file deleted on disk: that is not the experiment any more.
    if (!existsSync(file))
      throw new Error(
        `${vscode.workspace.asRelativePath(file)} was deleted: restore it to run it, or Remove Sweep (its group in the Runs view) to clear its queue`,
      );
    const open = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === file);
    const text = open ? open.getText() : await readExperimentFile(file);
    const exp = parseExperiment(text, file);
    const problems = await allProblems(exp, async (dir) => (await describeFolder(dir)).images);
    if (problems.length > 0) {
      const at = (open ?? (await vscode.workspace.openTextDocument(file))).positionAt(
        problems[0]!.span.start,
      );
      throw new Error(
        `${vscode.workspace.asRelativePath(file)}:${at.line + 1}: ${problems[0]!.message}${problems.length > 1 ? ` (and ${problems.length - 1} more problems)` : ''}`,
      );
    }
    const home =
      vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file))?.uri.fsPath ??
      vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    if (!home)
      throw new Error('open a folder first: runs are kept in the workspace (setting clusterlab.runsFolder)');
    return { exp, runsDir: runsDirOf(home, this.settings()) };
  }

  /** Queues the experiment's runs (all, or the named ones) and trains them; resolves once the sweep has started. */
  async start(file: string, entries?: readonly string[]): Promise<void> {
    if (this.sweeps.has(file))
      throw new Error(
        `a sweep of ${vscode.workspace.asRelativePath(file)} is already running: cancel it first`,
      );
    const { exp, runsDir } = await this.load(file);
    const runs = entries ? exp.runs.filter((r) => entries.includes(r.name)) : exp.runs;
    const unknown = (entries ?? []).filter((e) => !exp.runs.some((r) => r.name === e));
    if (unknown.length > 0)
      throw new Error(`${vscode.workspace.asRelativePath(file)} has no run named ${unknown.join(', ')}`);
    this.launch(queuePath(runsDir, exp.name), newQueue(file, exp.name, runsDir, runs), exp);
  }

  /** Continues the sweeps a reload or a crash left running, in every runs folder. */
  async continueUnfinished(runsDirs: readonly string[]): Promise<void> {
    const damaged: string[] = [];
    for (const { path, queue } of await listQueues(runsDirs, (path) => damaged.push(path))) {
      if (queue.state !== 'running' || this.sweeps.has(queue.experiment)) continue;
      try {
        const { exp } = await this.load(queue.experiment);
        this.log.info(`continuing the sweep of ${queue.experiment}`);
        this.launch(path, queue, exp);
      } catch (e) {
        this.log.error(`cannot continue the sweep in ${path}: ${(e as Error).message}`);
      }
    }
    // Said, and kept aside for the user to look at: a sweep it held does not continue by itself.
    for (const path of damaged) {
      const line = await setAsideDamagedQueue(path).catch(
        (e: Error) => `${path} is damaged and cannot be set aside: ${e.message}`,
      );
      if (!line) continue;
      const said = `${line}; a sweep it held does not continue by itself: Run all to go on (finished runs are skipped)`;
      this.log.error(said);
      void vscode.window.showWarningMessage(`ClusterLab: ${said}`);
    }
  }

  /** Stops the sweep of `file` after cancelling its run in flight; it can be started again later. */
  async cancel(file: string): Promise<boolean> {
    const sweep = this.sweeps.get(file);
    if (!sweep) return false;
    sweep.cancelled = true;
    for (const a of this.training.active) {
      const run = await this.store.readRun(a.runDir).catch(() => undefined);
      if (run?.experiment?.file === file) await this.training.cancel(a.runId);
    }
    await sweep.done;
    return true;
  }

  /**
   * Forgets the sweep of `file` (cancelled first when it runs here): its queue files go, so its
   * runs without a folder are no longer listed and nothing continues it. Run folders stay.
   * Resolves to the number of queues removed.
   */
  async remove(file: string, runsDirs: readonly string[]): Promise<number> {
    await this.cancel(file);
    const queues = (await listQueues(runsDirs)).filter((q) => q.queue.experiment === file);
    await Promise.all(queues.map((q) => rm(q.path, { force: true })));
    return queues.length;
  }

  /** The experiment's run folders that hold a run (for Compare). */
  async runDirs(file: string): Promise<string[]> {
    const { exp, runsDir } = await this.load(file);
    return exp.runs
      .map((r) => experimentRunDir(runsDir, exp.name, r.name))
      .filter((d) => existsSync(join(d, 'run.json')));
  }

  private launch(path: string, q: QueueFile, exp: Experiment): void {
    const runs: ExperimentRun[] = exp.runs.map((r) => ({
      ...r,
      config: { ...r.config, backend: exp.backend ?? this.settings().backend },
    }));
    const sweep: Sweep = { file: q.experiment, cancelled: false, done: Promise.resolve() };
    const driver: SweepDriver = {
      train: (run, dir) =>
        this.untilEnd(dir, () =>
          this.training.train(run.config, dirname(path), {
            runDir: dir,
            experiment: { file: q.experiment, entry: run.name },
          }),
        ),
      resume: async (dir) => {
        const run = await this.store.readRun(dir);
        return this.untilEnd(dir, () => this.training.resume({ dir, run }));
      },
      cancelled: () => sweep.cancelled,
      stopping: () => this.stopping,
      log: (line) => this.log.info(`[${q.name}] ${line}`),
    };
    sweep.done = runSweep(path, q, runs, driver)
      .then((r) => {
        const n = Object.values(r.statuses);
        const done = n.filter((s) => s === 'done').length;
        this.log.info(`sweep ${q.name}: ${r.state}, ${done}/${n.length} done`);
        if (r.state === 'finished')
          void vscode.window.showInformationMessage(
            `ClusterLab: ${q.name} finished: ${done} of ${n.length} runs done.`,
          );
        const dropped = Object.entries(r.statuses).find(([, s]) => s === 'interrupted');
        // Not cancelled by the user: a run its trainer kept dropping stopped the sweep (its runs' own toasts are not shown).
        if (r.state === 'cancelled' && !sweep.cancelled && dropped) {
          void vscode.window
            .showWarningMessage(
              `ClusterLab: the sweep of ${q.name} stopped: the trainer stopped under ${dropped[0]} again and again; see the log, then Run all to go on.`,
              'Show Log',
            )
            .then((c) => c && this.log.show());
        }
      })
      .catch(
        (e: Error) =>
          void vscode.window.showErrorMessage(`ClusterLab: the sweep of ${q.name} stopped: ${e.message}`),
      )
      .finally(() => this.sweeps.delete(q.experiment));
    this.sweeps.set(q.experiment, sweep);
  }

  /** Starts a run and resolves with how it ended (held: another trainer's lock refused it, untouched). */
  private untilEnd(runDir: string, start: () => Promise<unknown>): Promise<DriverEnd> {
    return new Promise<DriverEnd>((resolve, reject) => {
      const sub = this.training.onDidEnd((e) => {
        if (e.runDir !== runDir) return;
        sub.dispose();
        resolve(e.locked ? 'held' : e.status);
      });
      start().catch((e: unknown) => {
        sub.dispose();
        reject(e instanceof Error ? e : new Error(String(e)));
      });
    });
  }
}
