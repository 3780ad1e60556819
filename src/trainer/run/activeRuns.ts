/**
 * The run a long-lived trainer process (the language server) is training. One at a time: a run
 * takes the whole machine, and tfjs has one current backend. A run reports progress (percent and a
 * one-line message), its metrics rows and its end to whoever started it.
 */
import { existsSync } from 'node:fs';
import { basename, join, resolve as resolvePath } from 'node:path';
import type { ExperimentRef, MetricsRow, MethodName, TrainConfig } from '../../protocol/run.js';
import type { RunEndedNotice, RunStarted } from '../../protocol/server.js';
import { resolveConfig } from '../methods/index.js';
import { extensionWords, validateConfig } from './config.js';
import { checkMemoryCap } from './memoryCap.js';
import { RunFolder } from './runFolder.js';
import { RunLockedError } from './runLock.js';
import {
  defaultRunDir,
  resume,
  train,
  type StepProgress,
  type TrainHooks,
  type TrainResult,
} from './train.js';
import { formatDuration } from '../progress.js';
import { prepareRetrain, retrainDirFor } from './retrain.js';
import { CancelledError } from '../util/cancel.js';

export interface RunProgress {
  begin(title: string): void;
  report(percent: number, message: string): void;
  done(): void;
}

export interface RunListener {
  log(line: string): void;
  epoch(runId: string, runDir: string, row: MetricsRow): void;
  ended(notice: RunEndedNotice): void;
}

export interface RunOptions {
  cacheDir: string;
  memoryCapMB?: number;
  progress: RunProgress;
}

interface Active {
  runId: string;
  runDir: string;
  abort: AbortController;
  finished: Promise<void>;
}

/** Progress messages at most this often: a step can take a few milliseconds on small images. */
const REPORT_MS = 200;

export class ActiveRuns {
  private active: Active | undefined;

  constructor(private readonly listener: RunListener) {}

  get busy(): boolean {
    return this.active !== undefined;
  }

  /**
   * Starts a new run in `target.runDir` (an experiment's run) or a fresh folder under runsDir; a
   * bad config (a method setting the spec refuses, SCAN stages without epochs) is refused before
   * anything starts.
   */
  train(
    config: TrainConfig,
    runsDir: string,
    o: RunOptions,
    target: { runDir?: string; experiment?: ExperimentRef } = {},
  ): RunStarted {
    this.assertIdle();
    validateConfig(config);
    resolveConfig(config);
    const runDir = target.runDir ? resolvePath(target.runDir) : freshRunDir(runsDir, config.method);
    return this.launch(runDir, config.method, config.data, 0, o, (hooks) =>
      train(config, runDir, o.cacheDir, hooks, target.experiment),
    );
  }

  /** Continues the run in runDir from its checkpoint. */
  async resume(runDir: string, epochs: number | undefined, o: RunOptions): Promise<RunStarted> {
    this.assertIdle();
    const run = await new RunFolder(runDir).readRun();
    // A run.json edited to a setting the spec refuses is refused here, before the resume answers started.
    const config = epochs === undefined ? run.config : { ...run.config, epochs };
    validateConfig(config);
    resolveConfig(config);
    return this.launch(runDir, run.method, run.config.data, run.epoch, o, (hooks) =>
      resume(runDir, o.cacheDir, hooks, epochs),
    );
  }

  /**
   * "Retrain with my corrections": the finished run in sourceDir continued in a new folder beside
   * it, with the user's moves as anchors (retrain.ts). Its refusals come before any folder is made.
   */
  async retrain(sourceDir: string, o: RunOptions): Promise<RunStarted> {
    this.assertIdle();
    const runDir = await prepareRetrain(sourceDir, retrainDirFor(sourceDir), (line) =>
      this.listener.log(line),
    );
    return this.resume(runDir, undefined, o);
  }

  /** Stops the run after its current step; false when no such run is training. */
  cancel(runId: string): boolean {
    if (this.active?.runId !== runId) return false;
    this.active.abort.abort();
    return true;
  }

  /** Cancels the run (its checkpoint stays resumable) and waits up to ms for it to write its status. */
  async stop(ms: number): Promise<void> {
    const a = this.active;
    if (!a) return;
    a.abort.abort();
    await Promise.race([a.finished, new Promise((r) => setTimeout(r, ms).unref())]);
  }

  private assertIdle(): void {
    if (this.active)
      throw new Error(
        `run ${this.active.runId} is training; cancel it or wait for it to finish before starting another`,
      );
  }

  private launch(
    runDir: string,
    method: MethodName,
    data: string,
    epoch: number,
    o: RunOptions,
    start: (hooks: TrainHooks) => Promise<TrainResult>,
  ): RunStarted {
    this.assertIdle();
    const runId = basename(runDir);
    const abort = new AbortController();
    let lastEpoch = epoch;
    let lastReport = 0;
    /** When training (after reading the images) began, and how far along it was: the ETA's base. */
    let base: { at: number; percent: number } | undefined;
    /** When embedding began and how many images were already embedded (cached): the rate's base. */
    let embedBase: { at: number; done: number } | undefined;
    const hooks: TrainHooks = {
      log: (line) => this.listener.log(`[${runId}] ${line}`),
      // A folder the run cannot train on still leaves a failed run in the list, saying why.
      keepRefused: extensionWords,
      onIngest: (done, total) => o.progress.report(0, `reading images ${done}/${total}`),
      // Embedding 10,000 images on a CPU takes most of an hour: the notification says how far.
      onEmbed: (done, total) => {
        const now = performance.now();
        embedBase ??= { at: now, done };
        o.progress.report(0, embedMessage(done, total, embedBase, now));
      },
      onStep: (p) => {
        checkMemoryCap(o.memoryCapMB ?? 0);
        const now = performance.now();
        if (now - lastReport < REPORT_MS && p.step < p.steps) return;
        lastReport = now;
        const percent = percentOf(p);
        base ??= { at: now, percent };
        const done = percent - base.percent;
        const eta =
          now - base.at > ETA_AFTER_MS && done > 0
            ? ((now - base.at) / 1000 / done) * (100 - percent)
            : undefined;
        o.progress.report(percent, stepMessage(p, eta));
      },
      onEpoch: (row) => {
        lastEpoch = row.epoch;
        this.listener.epoch(runId, runDir, row);
      },
      signal: abort.signal,
    };
    o.progress.begin(`Training ${method} on ${basename(data)}`);
    const finished = start(hooks)
      .then(
        (r): RunEndedNotice => ({
          runId,
          runDir,
          status: r.run.status,
          epoch: r.run.epoch,
          ...(r.summary?.acc !== undefined ? { acc: r.summary.acc } : {}),
        }),
        (e: unknown): RunEndedNotice => {
          // Cancelled while its images were read: nothing was trained or written.
          if (e instanceof CancelledError) return { runId, runDir, status: 'cancelled', epoch: lastEpoch };
          const error = extensionWords(e);
          hooks.log(`failed: ${error}`);
          const locked = e instanceof RunLockedError ? { locked: true } : {};
          return { runId, runDir, status: 'failed', epoch: lastEpoch, error, ...locked };
        },
      )
      .then((notice) => {
        o.progress.done();
        this.active = undefined;
        this.listener.ended(notice);
      });
    this.active = { runId, runDir, abort, finished };
    return { runId, runDir };
  }
}

/** `<runsDir>/<method>-<time>`, with a suffix when a run started in the same second. */
function freshRunDir(runsDir: string, method: MethodName): string {
  const base = join(resolvePath(runsDir), basename(defaultRunDir(method)));
  let dir = base;
  for (let i = 2; existsSync(dir); i++) dir = `${base}-${i}`;
  return dir;
}

function percentOf(p: StepProgress): number {
  return (100 * (p.epoch - 1 + p.step / p.steps)) / p.epochs;
}

/** An estimate of the time left is shown once the run has trained this long. */
const ETA_AFTER_MS = 3000;

/** "embedding images 160/10000 · 3.4 img/s · 48m12s left" (rate and time left once measurable). */
export function embedMessage(
  done: number,
  total: number,
  base: { at: number; done: number },
  now: number,
): string {
  const text = `embedding images ${done}/${total}`;
  const rate = (done - base.done) / ((now - base.at) / 1000);
  if (now - base.at < ETA_AFTER_MS || !(rate > 0) || done >= total) return text;
  return `${text} · ${rate.toFixed(1)} img/s · ${formatDuration((total - done) / rate)} left`;
}

/** "epoch 3/40 · pretext · loss 4.21 · 850 img/s · 2m05s left" (stage and time left when known). */
export function stepMessage(p: StepProgress, secondsLeft?: number): string {
  const stage = p.stage ? ` · ${p.stage}` : '';
  const left = secondsLeft === undefined ? '' : ` · ${formatDuration(secondsLeft)} left`;
  return `epoch ${p.epoch}/${p.epochs}${stage} · loss ${p.loss.toFixed(2)} · ${Math.round(p.imgPerSec)} img/s${left}`;
}
