/**
 * The runs this window starts: each shows in VS Code's progress notification (with Cancel) and
 * the status bar while it trains, logs its epochs, and says how it ended. If the trainer process
 * dies under a run, the run reads as interrupted (src/common/runLock.ts) and is offered for resume.
 */
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { basename } from 'node:path';
import type { ExperimentRef, MethodName, MetricsRow, RunStatus, TrainConfig } from '../protocol/run.js';
import { Notifications, Requests, type RunEndedNotice, type RunStarted } from '../protocol/server.js';
import { METHOD_SPECS } from '../common/methods/index.js';
import { runLabel, runLabelOf } from './methods.js';
import type { Settings } from './settings.js';
import type { Trainer } from './trainerClient.js';
import type { TrainingStatusBar } from './views/statusBar.js';
import type { RunEntry, RunStore } from './workspace/runStore.js';
import { runWarnings } from './runWarnings.js';

interface Flight extends RunStarted {
  label: string;
  /** undefined: the trainer died before the run ended. */
  finish(notice: RunEndedNotice | undefined): void;
}

export interface Log {
  info(message: string): void;
  error(message: string): void;
  show(): void;
}

/** An experiment's run: its fixed folder and what run.json records; its end is not announced (the sweep shows it). */
export interface ExperimentTarget {
  runDir: string;
  experiment: ExperimentRef;
}

export class TrainingRuns implements vscode.Disposable {
  private readonly flights = new Map<string, Flight>();
  private readonly endedEmitter = new vscode.EventEmitter<{
    runDir: string;
    status: RunStatus;
    locked?: boolean;
  }>();
  /** Every run started here, as it ends (interrupted: the trainer died under it; locked: refused, untouched, for another trainer's lock). */
  readonly onDidEnd = this.endedEmitter.event;
  /** Ends that arrived before the answer to the request that started the run. */
  private readonly early = new Map<string, RunEndedNotice>();
  private readonly subscriptions: vscode.Disposable[];
  private readonly runChanged = new vscode.EventEmitter<string>();
  /** A run's folder changed (an epoch, its end): heard at once, before any file watcher. */
  readonly onDidChangeRun = this.runChanged.event;

  constructor(
    private readonly trainer: Trainer,
    private readonly store: Pick<RunStore, 'trainerGone' | 'readSummary' | 'readMetrics'>,
    private readonly status: Pick<TrainingStatusBar, 'show' | 'hide'>,
    private readonly settings: () => Settings,
    private readonly log: Log,
  ) {
    this.subscriptions = [
      trainer.onNotification(Notifications.runEnded, (n) => {
        this.ended(n);
        this.runChanged.fire(n.runDir);
      }),
      trainer.onNotification(Notifications.epoch, (n) => {
        log.info(`${n.runId} ${epochLine(n.row)}`);
        this.runChanged.fire(n.runDir);
      }),
      trainer.onDidDie(() => this.trainerDied()),
    ];
  }

  /** Runs started here that have not ended. */
  get active(): readonly RunStarted[] {
    return [...this.flights.values()];
  }

  isTraining(runDir: string): boolean {
    return [...this.flights.values()].some((f) => f.runDir === runDir);
  }

  /** Resolves once the trainer has started the run (its end is announced later); rejects with why it could not. */
  train(config: TrainConfig, runsDir: string, target?: ExperimentTarget): Promise<RunStarted> {
    const label = target
      ? `${target.experiment.entry} (${basename(target.experiment.file)})`
      : runLabel(config.method, config.data);
    return this.launch(
      config.method,
      label,
      (workDoneToken) =>
        this.trainer.request(Requests.train, {
          config,
          runsDir,
          workDoneToken,
          ...target,
          ...this.runOptions(),
        }),
      !target,
    );
  }

  resume({ dir, run }: RunEntry): Promise<RunStarted> {
    const label = run.experiment
      ? `${run.experiment.entry} (${basename(run.experiment.file)})`
      : runLabelOf(run);
    return this.launch(
      run.method,
      label,
      (workDoneToken) =>
        this.trainer.request(Requests.resume, { runDir: dir, workDoneToken, ...this.runOptions() }),
      !run.experiment,
    );
  }

  /** "Retrain with my corrections" of a finished run: a new run beside it (the trainer's retrain). */
  retrain({ dir, run }: RunEntry): Promise<RunStarted> {
    return this.launch(run.method, `${runLabelOf(run)}, retrained with corrections`, (workDoneToken) =>
      this.trainer.request(Requests.retrain, { runDir: dir, workDoneToken, ...this.runOptions() }),
    );
  }

  async cancel(runId: string): Promise<boolean> {
    return (await this.trainer.request(Requests.cancel, { runId })).cancelled;
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.runChanged.dispose();
    this.endedEmitter.dispose();
  }

  private runOptions(): { memoryCapMB?: number } {
    const cap = this.settings().memoryCapMB;
    return cap > 0 ? { memoryCapMB: cap } : {};
  }

  private launch(
    method: MethodName,
    label: string,
    send: (token: string) => Promise<RunStarted>,
    announce = true,
  ): Promise<RunStarted> {
    const token = `clusterlab-${randomUUID()}`;
    const short = METHOD_SPECS[method].label;
    return new Promise((resolveStarted, rejectStarted) => {
      const options = {
        location: vscode.ProgressLocation.Notification,
        title: `ClusterLab: ${label}`,
        cancellable: true,
      };
      void vscode.window.withProgress(options, async (progress, cancel) => {
        let reported = 0;
        this.status.show(short, 'starting');
        const sub = this.trainer.onProgress(token, (v) => {
          if (v.kind === 'end') return;
          const percent = Math.max(reported, v.percentage ?? reported);
          progress.report({ message: v.message, increment: percent - reported });
          reported = percent;
          if (v.message) this.status.show(short, v.message);
        });
        try {
          const started = await send(token);
          resolveStarted(started);
          const end = await this.endOf(started, label, cancel);
          const locked = end?.locked ? { locked: true } : {};
          this.endedEmitter.fire({ runDir: started.runDir, status: end?.status ?? 'interrupted', ...locked });
          // An experiment's run the trainer dropped (or another trainer held) is resumed by its sweep: a toast would be stale at once.
          if (announce || (end?.status === 'failed' && !end.locked))
            this.announce(label, started.runDir, end, method);
          else if (!end) this.log.info(`${label}: interrupted; its sweep resumes it`);
        } catch (e) {
          rejectStarted(e);
        } finally {
          sub.dispose();
          if (this.flights.size === 0) this.status.hide();
        }
      });
    });
  }

  private endOf(
    started: RunStarted,
    label: string,
    cancel: vscode.CancellationToken,
  ): Promise<RunEndedNotice | undefined> {
    const early = this.early.get(started.runId);
    this.early.delete(started.runId);
    if (early) return Promise.resolve(early);
    return new Promise((resolve) => {
      const onCancel = cancel.onCancellationRequested(
        () => void this.cancel(started.runId).catch((e: Error) => this.log.error(e.message)),
      );
      this.flights.set(started.runId, {
        ...started,
        label,
        finish: (n) => {
          onCancel.dispose();
          this.flights.delete(started.runId);
          resolve(n);
        },
      });
    });
  }

  private ended(n: RunEndedNotice): void {
    const flight = this.flights.get(n.runId);
    if (flight) flight.finish(n);
    else this.early.set(n.runId, n);
  }

  private trainerDied(): void {
    for (const f of [...this.flights.values()]) {
      this.log.error(`the trainer stopped while training ${f.runId}`);
      // Its run.json still says running, under a lock no live trainer holds: it reads as interrupted.
      this.store.trainerGone(f.runDir);
      this.runChanged.fire(f.runDir);
      f.finish(undefined);
    }
  }

  private announce(label: string, runDir: string, n: RunEndedNotice | undefined, method: MethodName): void {
    const resume = 'Resume';
    const showLog = 'Show Log';
    const gallery = 'Open Gallery';
    const act = (choice: string | undefined) => {
      if (choice === resume) void vscode.commands.executeCommand('clusterlab.resumeRun', runDir);
      if (choice === showLog) this.log.show();
      if (choice === gallery) void vscode.commands.executeCommand('clusterlab.openGallery', runDir);
    };
    if (!n) {
      void vscode.window
        .showWarningMessage(
          `ClusterLab: the trainer stopped while training ${label}; the run is marked interrupted.`,
          resume,
          showLog,
        )
        .then(act);
    } else if (n.status === 'done') {
      const acc = n.acc !== undefined ? `: ACC ${n.acc.toFixed(3)}` : ` after ${n.epoch} epochs`;
      void vscode.window.showInformationMessage(`ClusterLab: ${label} finished${acc}.`, gallery).then(act);
      void this.warnAbout(label, runDir, method).then((warned) => warned && act(warned));
    } else if (n.status === 'cancelled') {
      void vscode.window
        .showInformationMessage(
          `ClusterLab: ${label} cancelled after epoch ${n.epoch}; resuming continues from there.`,
          resume,
        )
        .then(act);
    } else {
      this.log.error(`${label} failed: ${n.error ?? n.status}`);
      void vscode.window
        .showErrorMessage(`ClusterLab: ${label} failed: ${n.error ?? n.status}`, showLog)
        .then(act);
    }
  }

  /** A warning for what the finished run's numbers show (see runWarnings); resolves to the button chosen. */
  private async warnAbout(label: string, runDir: string, method: MethodName): Promise<string | undefined> {
    const [summary, metrics] = await Promise.all([
      this.store.readSummary(runDir).catch(() => undefined),
      this.store.readMetrics(runDir).catch(() => []),
    ]);
    const warnings = summary ? runWarnings(method, summary, metrics) : [];
    if (warnings.length === 0) return undefined;
    this.log.info(`${label}: ${warnings.join('; ')}`);
    return vscode.window.showWarningMessage(`ClusterLab: ${label}: ${warnings.join('; ')}.`, 'Open Gallery');
  }
}

/** "epoch 3: loss 4.210 · 850 img/s · ACC 0.612 NMI 0.540 ARI 0.430" */
function epochLine(row: MetricsRow): string {
  const scores =
    row.acc !== undefined
      ? ` · ACC ${row.acc.toFixed(3)} NMI ${(row.nmi ?? 0).toFixed(3)} ARI ${(row.ari ?? 0).toFixed(3)}`
      : '';
  return `epoch ${row.epoch}: loss ${row.loss.toFixed(3)} · ${Math.round(row.imgPerSec)} img/s${scores}`;
}
