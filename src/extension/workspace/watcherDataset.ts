/**
 * Live view of a finished run's dataset folder: images added since training are assigned by the
 * trained model (the trainer's assign request) and images deleted since disappear. Nothing is
 * written: on every start the folder is compared with assignments.csv again, so a reload shows
 * the same state.
 *
 * Bounded work: events are debounced, new files go to the trainer in batches with one request in
 * flight, and listeners hear one change per batch — a thousand files landing at once cost a few
 * requests and a few redraws, not a thousand.
 */
import { watch, type FSWatcher } from 'chokidar';
import { basename, join, relative, sep } from 'node:path';
import { classifyName } from '../../common/imageFormats.js';

export interface Assigned {
  cluster: number;
  confidence: number;
}

/** The trainer's assign request: absolute image paths in, one result per path that could be decoded. */
export type AssignFn = (runDir: string, files: string[]) => Promise<({ path: string } & Assigned)[]>;

export interface DatasetWatcherOptions {
  runDir: string;
  root: string;
  /** Paths (relative, posix) that assignments.csv already covers. */
  known: ReadonlySet<string>;
  assign: AssignFn;
  onChange: () => void;
  onError: (message: string) => void;
  debounceMs?: number;
  batchSize?: number;
}

export class DatasetWatcher {
  /** Images added after training, with the model's assignment. */
  readonly added = new Map<string, Assigned>();
  /** Known images no longer on disk. */
  readonly removed = new Set<string>();
  private readonly pending = new Set<string>();
  private readonly seen = new Set<string>();
  private ready = false;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private disposed = false;
  /** Something listeners have not heard about yet (an add, a removal) when the flush ends. */
  private changedSinceFlush = false;
  private readonly watcher: FSWatcher;

  constructor(private readonly o: DatasetWatcherOptions) {
    this.watcher = watch(o.root, {
      // Hidden files and folders are not data (the scan skips them too): .clusterlab, temp files.
      ignored: (p) => basename(p).startsWith('.') && p !== o.root,
      awaitWriteFinish: { stabilityThreshold: 200, pollInterval: 50 },
      followSymlinks: true,
    });
    this.watcher.on('add', (p) => this.onAdd(p));
    this.watcher.on('unlink', (p) => this.onUnlink(p));
    this.watcher.on('ready', () => this.onReady());
    this.watcher.on('error', (e) => o.onError(`watching ${o.root}: ${(e as Error).message}`));
  }

  /** Resolves when the first scan is done and every image found so far has been assigned. */
  async settled(): Promise<void> {
    while (!this.disposed && (!this.ready || this.pending.size > 0 || this.timer || this.flushing)) {
      await (this.flushing ?? new Promise((r) => setTimeout(r, 20)));
    }
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.watcher.close();
  }

  private rel(p: string): string | undefined {
    const r = relative(this.o.root, p);
    if (!r || r.startsWith('..') || classifyName(basename(r)).kind !== 'image') return undefined;
    return sep === '/' ? r : r.split(sep).join('/');
  }

  private onAdd(p: string): void {
    const r = this.rel(p);
    if (r === undefined) return;
    this.seen.add(r);
    if (this.removed.delete(r)) this.schedule(true);
    else if (!this.o.known.has(r) && !this.added.has(r)) {
      this.pending.add(r);
      this.schedule(false);
    }
  }

  private onUnlink(p: string): void {
    const r = this.rel(p);
    if (r === undefined) return;
    this.seen.delete(r);
    this.pending.delete(r);
    if (this.added.delete(r)) this.schedule(true);
    else if (this.o.known.has(r) && !this.removed.has(r)) {
      this.removed.add(r);
      this.schedule(true);
    }
  }

  private onReady(): void {
    this.ready = true;
    for (const r of this.o.known) if (!this.seen.has(r)) this.removed.add(r);
    // The initial scan's sightings are only needed for this comparison.
    this.seen.clear();
    this.schedule(this.removed.size > 0);
  }

  private schedule(changed: boolean): void {
    this.changedSinceFlush ||= changed;
    if (!this.ready || this.disposed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flushing ??= this.flush().finally(() => (this.flushing = undefined));
    }, this.o.debounceMs ?? 300);
  }

  private async flush(): Promise<void> {
    const batchSize = this.o.batchSize ?? 64;
    while (!this.disposed) {
      const batch = [...this.pending].slice(0, batchSize);
      if (batch.length === 0) break;
      for (const r of batch) this.pending.delete(r);
      try {
        const results = await this.o.assign(
          this.o.runDir,
          batch.map((r) => join(this.o.root, r)),
        );
        const byPath = new Map(results.map((x) => [x.path, x]));
        for (const r of batch) {
          const x = byPath.get(join(this.o.root, r));
          if (x) this.added.set(r, { cluster: x.cluster, confidence: x.confidence });
        }
      } catch (e) {
        this.o.onError(`assigning ${batch.length} new images: ${(e as Error).message}`);
      }
      this.changedSinceFlush = false;
      if (!this.disposed) this.o.onChange();
    }
    if (this.changedSinceFlush && !this.disposed) {
      this.changedSinceFlush = false;
      this.o.onChange();
    }
  }
}
