/**
 * CLI progress on stderr. On a terminal: one live line redrawn in place, with a bar and an ETA,
 * and a permanent line per epoch. Elsewhere (pipes, CI logs, files): plain lines only, one per
 * epoch and, within a long epoch or ingest, one every few seconds (CLUSTERLAB_PROGRESS_EVERY
 * seconds, default 5), with no carriage returns or escape codes to garble the log.
 */
import type { MetricsRow } from '../protocol/run.js';
import type { StepProgress, TrainHooks } from './run/train.js';

/** The part of a stream the reporter uses; process.stderr fits, so does a test fake. */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** Milliseconds, monotonic. */
  now?: () => number;
  /** Minimum time between redraws of the live line, so fast steps do not flood the terminal. */
  minRedrawMs?: number;
  barWidth?: number;
  /** Off a terminal: at least this long between progress lines within an epoch or an ingest. */
  plainEveryMs?: number;
}

/** CLUSTERLAB_PROGRESS_EVERY (seconds) when it is a positive number, else 5 s. */
function plainEveryFromEnv(): number {
  const s = Number(process.env.CLUSTERLAB_PROGRESS_EVERY);
  return Number.isFinite(s) && s > 0 ? s * 1000 : 5000;
}

/** Start point of a rate estimate: progress is measured from what this session has seen. */
interface Baseline {
  t: number;
  fraction: number;
}

const CLEAR_LINE = '\r\x1b[K';

export class ProgressReporter {
  private readonly tty: boolean;
  private readonly now: () => number;
  private readonly minRedrawMs: number;
  private readonly barWidth: number;
  private readonly plainEveryMs: number;
  /** When the last plain line was printed (off a terminal). */
  private lastPlain: number;
  /** The live line currently on screen (TTY only), to restore after a log line. */
  private live = '';
  private lastDraw = -Infinity;
  private epochs = 0;
  private run?: Baseline;
  private ingestStart?: Baseline;
  private ingestQuarter = 0;
  private layoutStart?: Baseline;
  private layoutQuarter = 0;

  constructor(
    private readonly stream: ProgressStream,
    opts: ProgressOptions = {},
  ) {
    this.tty = stream.isTTY === true;
    this.now = opts.now ?? (() => performance.now());
    this.minRedrawMs = opts.minRedrawMs ?? 100;
    this.barWidth = opts.barWidth ?? 10;
    this.plainEveryMs = opts.plainEveryMs ?? plainEveryFromEnv();
    this.lastPlain = this.now();
  }

  /** A run's hooks that report here (the command line's train and run). */
  hooks(signal: AbortSignal): TrainHooks {
    return {
      log: (line) => this.log(line),
      onIngest: (done, total) => this.ingest(done, total),
      onStep: (p) => this.step(p),
      onEpoch: (row) => this.epoch(row),
      signal,
    };
  }

  /** A message that stays: printed above the live line. */
  log(line: string): void {
    this.print(line);
  }

  /** Image decoding: a live bar on a terminal, a line per quarter elsewhere. */
  ingest(done: number, total: number): void {
    const t = this.now();
    const fraction = total > 0 ? done / total : 1;
    if (!this.ingestStart) {
      this.ingestStart = { t, fraction };
      this.ingestQuarter = Math.floor(fraction * 4);
    }
    if (this.tty) {
      if (done >= total) return this.clear();
      const rate = ratePerMs(this.ingestStart, t, fraction);
      const imgPerSec = rate === undefined ? undefined : (rate * total * 1000).toFixed(0);
      const parts = ['decoding', bar(fraction, this.barWidth), `${done}/${total} images`];
      if (imgPerSec !== undefined) parts.push(`${imgPerSec} img/s`);
      this.draw(withEta(parts, this.ingestStart, t, fraction), false);
      return;
    }
    // Quarters crossed by this session's decoding only: a fully cached dataset prints nothing.
    const quarter = Math.floor(fraction * 4);
    if (quarter > this.ingestQuarter || (done < total && t - this.lastPlain >= this.plainEveryMs)) {
      this.ingestQuarter = Math.max(quarter, this.ingestQuarter);
      this.print(`decoding images: ${done}/${total} (${Math.round(fraction * 100)}%)`);
    }
  }

  /** The 2-D map's layout: a bar on a terminal, a line per quarter elsewhere. */
  layout(done: number, total: number): void {
    const t = this.now();
    const fraction = total > 0 ? done / total : 1;
    this.layoutStart ??= { t, fraction };
    if (this.tty)
      return this.draw(
        withEta(
          ['map layout', bar(fraction, this.barWidth), `${done}/${total}`],
          this.layoutStart,
          t,
          fraction,
        ),
        done >= total,
      );
    const quarter = Math.floor(fraction * 4);
    if (quarter > this.layoutQuarter) {
      this.layoutQuarter = quarter;
      this.print(`map layout: ${done}/${total} (${Math.round(fraction * 100)}%)`);
    }
  }

  /** A training step: redraws the live line on a terminal, only tracks the rate elsewhere. */
  step(p: StepProgress): void {
    const t = this.now();
    this.epochs = p.epochs;
    const fraction = runFraction(p.epoch, p.step / Math.max(p.steps, 1), p.epochs);
    this.run ??= { t, fraction };
    if (!this.tty) {
      if (p.step < p.steps && t - this.lastPlain >= this.plainEveryMs) {
        const stage = p.stage ? ` (${p.stage})` : '';
        this.print(
          withEta(
            [
              `epoch ${p.epoch}/${p.epochs}${stage} step ${p.step}/${p.steps}`,
              `loss ${p.loss.toFixed(3)}`,
              `${p.imgPerSec.toFixed(0)} img/s`,
            ],
            this.run,
            t,
            fraction,
          ).join(' '),
        );
      }
      return;
    }
    const parts = [
      `epoch ${p.epoch}/${p.epochs}`,
      bar(p.step / Math.max(p.steps, 1), this.barWidth),
      `step ${p.step}/${p.steps}`,
      `loss ${p.loss.toFixed(3)}`,
      `${p.imgPerSec.toFixed(0)} img/s`,
    ];
    this.draw(withEta(parts, this.run, t, fraction), p.step === p.steps);
  }

  /** An epoch's metrics row: a permanent line in both modes. */
  epoch(row: MetricsRow): void {
    const t = this.now();
    const fraction = this.epochs > 0 ? runFraction(row.epoch, 1, this.epochs) : undefined;
    const parts = [this.epochs > 0 ? `epoch ${row.epoch}/${this.epochs}` : `epoch ${row.epoch}`];
    if (row.phase && row.phase !== 'train') parts.push(`(${row.phase})`);
    const terms = Object.entries(row.terms);
    parts.push(
      `loss ${row.loss.toFixed(3)}` +
        (terms.length > 1 ? ` (${terms.map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')})` : ''),
    );
    parts.push(`${row.imgPerSec.toFixed(0)} img/s`, `${row.seconds.toFixed(1)}s`);
    for (const key of ['acc', 'nmi', 'ari'] as const)
      if (typeof row[key] === 'number') parts.push(`${key} ${row[key].toFixed(3)}`);
    const sup = (['superAcc', 'superNmi', 'superAri'] as const).filter((k) => typeof row[k] === 'number');
    if (sup.length > 0)
      parts.push(`super ${sup.map((k) => `${k.slice(5).toLowerCase()} ${row[k]!.toFixed(3)}`).join(' ')}`);
    if (this.run && fraction !== undefined && fraction < 1) {
      withEta(parts, this.run, t, fraction);
    }
    this.print(parts.join(' '));
  }

  /** Removes the live line; call before printing results or exiting. */
  done(): void {
    this.clear();
  }

  private print(line: string): void {
    this.lastPlain = this.now();
    if (!this.tty) {
      this.stream.write(line + '\n');
      return;
    }
    const live = this.live;
    this.stream.write((live ? CLEAR_LINE : '') + line + '\n');
    this.live = '';
    if (live) this.show(live);
  }

  private draw(parts: string[], force: boolean): void {
    const t = this.now();
    if (!force && t - this.lastDraw < this.minRedrawMs) return;
    this.lastDraw = t;
    this.show(parts.join(' '));
  }

  private show(line: string): void {
    // A line wider than the terminal wraps, and '\r' would then redraw only its last row.
    const cols = this.stream.columns;
    const fitted = cols && cols > 1 && line.length >= cols ? line.slice(0, cols - 1) : line;
    this.stream.write(CLEAR_LINE + fitted);
    this.live = fitted;
  }

  private clear(): void {
    if (!this.tty || !this.live) return;
    this.stream.write(CLEAR_LINE);
    this.live = '';
  }
}

/** Share of the whole run done at `epochFraction` of epoch `epoch` (1-based). */
function runFraction(epoch: number, epochFraction: number, epochs: number): number {
  return epochs > 0 ? Math.min(1, (epoch - 1 + epochFraction) / epochs) : 0;
}

function ratePerMs(from: Baseline, t: number, fraction: number): number | undefined {
  const dt = t - from.t;
  const df = fraction - from.fraction;
  return dt > 0 && df > 0 ? df / dt : undefined;
}

/** Appends `ETA ...` from the average rate since `from`, once there is a rate to go by. */
function withEta(parts: string[], from: Baseline, t: number, fraction: number): string[] {
  const rate = ratePerMs(from, t, fraction);
  if (rate !== undefined) parts.push(`ETA ${formatDuration((1 - fraction) / rate / 1000)}`);
  return parts;
}

export function bar(fraction: number, width: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

/** 45s, 1m20s, 2h05m: coarse enough to read at a glance. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
