/**
 * The runs the views are showing. A RunSession holds one run's files, its labels store and, for a
 * finished run, the live watcher of its dataset; views of the same run share one session, and it
 * closes when the last view lets go. Runs are listed by a RunSource (the extension's run store),
 * so this module knows nothing of how runs are found.
 */
import { join, resolve } from 'node:path';
import { applyExclusions, editExclusions, exclusionFile, readExclusions } from '../../common/exclusions.js';
import { readRunText } from '../../common/runFileRead.js';
import { readExistingRunJson } from '../../common/runJson.js';
import { parseAssignments, parseMetrics, parseSummary } from '../../common/runFiles.js';
import type { Assignment, MetricsRow, RunJson, SummaryJson } from '../../protocol/run.js';
import type { RunChoice } from '../../protocol/pageMessages.js';
import { LabelsStore } from '../workspace/labelsStore.js';
import { DatasetWatcher, type AssignFn } from '../workspace/watcherDataset.js';
import { watchRunFolder } from '../workspace/watcherRun.js';
import { buildRunModel, runChoicesOf, type LiveChanges, type RunModel } from './runModel.js';

type SessionEdit = { kind: 'labels' } | { kind: 'exclusions'; added: string[]; removed: string[] };

export interface Disposable {
  dispose(): void;
}

export interface RunEntry {
  dir: string;
  run: RunJson;
  /** The user's name for the run. */
  name?: string;
}

/** What the views need of the extension's run store. */
export interface RunSource {
  listRuns(): Promise<RunEntry[]>;
  /** Fires when runs appear, disappear or change status (`dir`: the run, when one is known). */
  onDidChange(listener: (dir?: string) => void): Disposable;
}

export interface SessionDeps {
  /** The trainer's assign request; without it, a run's dataset is not watched. */
  assign?: AssignFn;
  /** Only folders inside the workspace are watched or served. */
  isInWorkspace(path: string): boolean;
  log(message: string): void;
}

export class RunSession {
  run!: RunJson;
  rows: Assignment[] = [];
  metrics: MetricsRow[] = [];
  /** summary.json, once the run finished (undefined before, or when unreadable: logged). */
  summary: SummaryJson | undefined;
  /** Why the run's files could not be read, for the views to say. */
  error: string | undefined;
  /** The dataset's exclusion list, as last read or written. */
  excluded: ReadonlySet<string> = new Set();
  /** Why the exclusion list could not be read (a damaged file): exports and exclusions refuse until it is fixed. */
  exclusionError: string | undefined;
  /**
   * This session's edits in order, so one undo stack covers labels.json (its store keeps the
   * snapshots) and the exclusion list (the change itself: its inverse is exact, and it applies on
   * top of other runs' edits of the same list).
   */
  private readonly past: SessionEdit[] = [];
  private readonly future: SessionEdit[] = [];
  private modelCache: RunModel | undefined;
  private readonly listeners = new Set<() => void>();
  /** The run's shared selection (dataset paths): what one page selects, the others show. */
  selection: readonly string[] = [];
  private readonly selectListeners = new Set<(paths: readonly string[], from: unknown) => void>();
  private watcher: DatasetWatcher | undefined;
  private folderWatch: { dispose(): Promise<void> } | undefined;
  users = 0;

  private constructor(
    readonly dir: string,
    readonly labels: LabelsStore,
    private readonly deps: SessionDeps,
  ) {}

  static async open(dir: string, deps: SessionDeps): Promise<RunSession> {
    const s = new RunSession(dir, await LabelsStore.open(dir), deps);
    await s.reload();
    s.folderWatch = watchRunFolder(
      dir,
      () =>
        void s.reload().then(
          () => s.changed(),
          (e) => deps.log(`reading run ${dir}: ${(e as Error).message}`),
        ),
      undefined,
      // Another window's edit of labels.json: shown here too (edits of this window are merged into it on write).
      () => void s.labels.refresh().catch((e) => deps.log(`reading run ${dir}: ${(e as Error).message}`)),
    );
    s.labels.onDidChangeOnDisk(() => s.changed());
    return s;
  }

  /** The effective run (edits and live changes applied), rebuilt only after something changed. */
  model(): RunModel {
    this.modelCache ??= buildRunModel(
      this.dir,
      this.run,
      this.rows,
      this.labels.labels,
      this.watcher,
      this.excluded,
    );
    return this.modelCache;
  }

  onDidChange(listener: () => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Images added or deleted since training, while the dataset is watched. */
  get live(): LiveChanges | undefined {
    return this.watcher;
  }

  /** Sets the shared selection; every listener but `from` (the page that made it) is told. */
  select(paths: readonly string[], from: unknown): void {
    this.selection = paths;
    for (const l of this.selectListeners) l(paths, from);
  }

  onDidSelect(listener: (paths: readonly string[], from: unknown) => void): Disposable {
    this.selectListeners.add(listener);
    return { dispose: () => this.selectListeners.delete(listener) };
  }

  get canUndo(): boolean {
    return this.labels.canUndo || this.past.some((e) => e.kind === 'exclusions');
  }

  get canRedo(): boolean {
    return this.labels.canRedo || this.future.some((e) => e.kind === 'exclusions');
  }

  /** A labels.json edit, made through `labels`, joins the undo stack. */
  async editLabels(edit: Parameters<LabelsStore['apply']>[0]): Promise<void> {
    await this.labels.apply(edit);
    this.record({ kind: 'labels' });
  }

  /** Excludes `add` from the dataset and includes `remove` again (never deleting a file); undoable. */
  async editExclusions(add: readonly string[], remove: readonly string[]): Promise<void> {
    const change = await this.changeExclusions(add, remove);
    if (change.added.length > 0 || change.removed.length > 0) this.record({ kind: 'exclusions', ...change });
  }

  async undo(): Promise<boolean> {
    return this.step(this.past, this.future, true);
  }

  async redo(): Promise<boolean> {
    return this.step(this.future, this.past, false);
  }

  private record(e: SessionEdit): void {
    this.past.push(e);
    this.future.length = 0;
  }

  /** Takes back (or redoes) the newest edit that still can be; labels edits made elsewhere (Compare) come last. */
  private async step(from: SessionEdit[], to: SessionEdit[], back: boolean): Promise<boolean> {
    for (let e = from.pop(); e; e = from.pop()) {
      if (e.kind === 'labels') {
        // The store drops its history when another window's edits are adopted: such entries are gone.
        if (!(await (back ? this.labels.undo() : this.labels.redo()))) continue;
      } else if (back) await this.changeExclusions(e.removed, e.added);
      else await this.changeExclusions(e.added, e.removed);
      to.push(e);
      return true;
    }
    return back ? this.labels.undo() : this.labels.redo();
  }

  private async changeExclusions(
    add: readonly string[],
    remove: readonly string[],
  ): Promise<{ added: string[]; removed: string[] }> {
    if (this.exclusionError) throw new Error(this.exclusionError);
    const root = this.run.dataset.root;
    // run.json names the folder; one from a cloned repository may name any: only the workspace is written.
    if (!this.deps.isInWorkspace(root))
      throw new Error(
        `the dataset folder ${root} is outside the workspace: its exclusion list is not written from here`,
      );
    const r = await editExclusions(root, add, remove);
    this.excluded = r.paths;
    return r.change;
  }

  /** Reads the exclusion list again (another run's page of the same dataset changed it). */
  async reloadExclusions(): Promise<void> {
    try {
      this.excluded = await readExclusions(this.run.dataset.root);
      this.exclusionError = undefined;
    } catch (e) {
      this.excluded = new Set();
      this.exclusionError = (e as Error).message;
      this.deps.log(this.exclusionError);
      return;
    }
    // Names of images deleted since (or never in this run) are ignored; said once a session.
    const stale = applyExclusions(this.rows, (r) => r.path, this.excluded).stale;
    if (stale > 0 && !this.staleSaid) {
      this.staleSaid = true;
      this.deps.log(
        `${exclusionFile(this.run.dataset.root)}: ${stale} listed ${stale === 1 ? 'image is' : 'images are'} not in run ${this.run.id} (deleted since?): ignored`,
      );
    }
  }

  private staleSaid = false;

  /** Tells every view of this run to redraw (after an edit, a live assignment, a file change). */
  changed(): void {
    this.modelCache = undefined;
    for (const l of this.listeners) l();
  }

  async reload(): Promise<void> {
    this.run = await readExistingRunJson(this.dir);
    this.metrics = parseMetrics(await this.readText('metrics.jsonl'));
    this.error = undefined;
    const summaryFile = join(this.dir, 'summary.json');
    const summary = await this.readText('summary.json');
    try {
      this.summary = summary ? parseSummary(summary, summaryFile) : undefined;
    } catch (e) {
      // Only the compare page reads it; the other pages still show the run.
      this.summary = undefined;
      this.deps.log((e as Error).message);
    }
    try {
      this.rows = parseAssignments(
        (await this.readText('assignments.csv')) || 'path,cluster,confidence,label\n',
      );
    } catch (e) {
      this.rows = [];
      this.error = (e as Error).message;
    }
    if (this.rows.length === 0 && !this.error)
      this.error = `This run has no cluster assignments yet (status: ${this.run.status}).`;
    await this.reloadExclusions();
    this.startWatcher();
  }

  /** A running run's trainer may die without a file changing: its status is read again (derived: runLock.ts). */
  async restatus(): Promise<void> {
    if (this.run.status !== 'running') return;
    const { status } = await readExistingRunJson(this.dir);
    if (status === this.run.status) return;
    this.run = { ...this.run, status };
    this.changed();
  }

  /** A run file's text ('' when absent), read safely: a run folder from a cloned repository is untrusted. */
  private async readText(file: string): Promise<string> {
    return (await readRunText(this.dir, file)) ?? '';
  }

  private startWatcher(): void {
    const root = this.run.dataset.root;
    if (
      this.watcher ||
      !this.deps.assign ||
      this.run.status !== 'done' ||
      this.rows.length === 0 ||
      !this.deps.isInWorkspace(root)
    )
      return;
    this.watcher = new DatasetWatcher({
      runDir: this.dir,
      root,
      known: new Set(this.rows.map((r) => r.path)),
      assign: this.deps.assign,
      onChange: () => this.changed(),
      onError: (m) => this.deps.log(m),
    });
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.selectListeners.clear();
    await Promise.all([this.watcher?.dispose(), this.folderWatch?.dispose()]);
  }
}

/** Sessions by run folder, shared between views. */
export class RunSessions {
  private readonly open = new Map<string, Promise<RunSession>>();
  private entries: RunEntry[] = [];
  private readonly changeListeners = new Set<(dir: string) => void>();
  /** The sessions of `open` that have finished opening. */
  private readonly opened = new Map<string, RunSession>();

  private readonly sourceSub: Disposable;

  constructor(
    readonly source: RunSource,
    private readonly deps: SessionDeps,
  ) {
    this.sourceSub = source.onDidChange(
      (dir) =>
        void (
          dir &&
          this.opened
            .get(dir)
            ?.restatus()
            .catch((e: Error) => deps.log(e.message))
        ),
    );
  }

  async list(): Promise<RunEntry[]> {
    this.entries = await this.source.listRuns();
    return this.entries;
  }

  /** The picker entries of the last list() (runChoicesOf). */
  choices(): RunChoice[] {
    return runChoicesOf(this.entries);
  }

  /** Only a run the source lists can be opened: a webview cannot name an arbitrary folder. */
  async acquire(dir: string): Promise<RunSession> {
    if (!this.entries.some((e) => e.dir === dir)) await this.list();
    if (!this.entries.some((e) => e.dir === dir)) throw new Error(`not a known run: ${dir}`);
    let pending = this.open.get(dir);
    if (!pending) {
      pending = RunSession.open(dir, this.deps);
      this.open.set(dir, pending);
      pending.then(
        (s) => {
          this.opened.set(dir, s);
          s.onDidChange(() => this.changeListeners.forEach((l) => l(dir)));
        },
        () => this.open.delete(dir),
      );
    }
    const s = await pending;
    s.users++;
    return s;
  }

  /** The live changes of an open run (for the Runs tree's counts), undefined when none is open. */
  liveOf(dir: string): LiveChanges | undefined {
    return this.opened.get(dir)?.live;
  }

  /**
   * After `from` (a run's session, or the Duplicates page showing a folder) edited the exclusion
   * list of the dataset at `root`: every other open run of that dataset reads it again and redraws,
   * and the other listeners are told.
   */
  async exclusionsChanged(root: string, from: unknown): Promise<void> {
    const others = [...this.opened.values()].filter(
      (s) => s !== from && resolve(s.run.dataset.root) === resolve(root),
    );
    await Promise.all([
      ...others.map((s) => s.reloadExclusions().then(() => s.changed())),
      ...[...this.exclusionListeners].map((l) => l(resolve(root), from)),
    ]);
  }

  private readonly exclusionListeners = new Set<(root: string, from: unknown) => Promise<void>>();

  /** Hears exclusion edits: the dataset folder (absolute) and who made the edit. */
  onDidChangeExclusions(listener: (root: string, from: unknown) => Promise<void>): Disposable {
    this.exclusionListeners.add(listener);
    return { dispose: () => this.exclusionListeners.delete(listener) };
  }

  /** Hears any change of an open run: an edit, a live assignment, its files. */
  onDidChangeRun(listener: (dir: string) => void): Disposable {
    this.changeListeners.add(listener);
    return { dispose: () => this.changeListeners.delete(listener) };
  }

  async release(s: RunSession): Promise<void> {
    if (--s.users > 0) return;
    this.open.delete(s.dir);
    this.opened.delete(s.dir);
    await s.close();
  }

  async dispose(): Promise<void> {
    this.sourceSub.dispose();
    const all = await Promise.allSettled(this.open.values());
    this.open.clear();
    this.opened.clear();
    await Promise.all(all.map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)));
  }
}
