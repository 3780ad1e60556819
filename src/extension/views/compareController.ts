/**
 * The Compare Runs page's host side. Unlike the one-run pages it holds a session for each chosen
 * run (shared with the other pages through RunSessions), redraws when any of them changes, opens
 * the gallery on a contingency cell's images, and merges run A's clusters through its labels store.
 */
import { cellImages } from '../../common/eval/agreement.js';
import { clusterName, mergeClusters } from '../../common/labels.js';
import {
  compareToHost,
  type CompareState,
  type HostToCompare,
  type CompareToHost,
} from '../../protocol/compareMessages.js';
import { type RunChoice } from '../../protocol/pageMessages.js';
import type { ThumbnailCache } from '../workspace/thumbnails.js';
import { compareState } from './compareModel.js';
import { clusteringOf, type CompareRun } from './compareTable.js';
import { runImages, thumbnailUris } from './datasetFile.js';
import { liveClusterIds } from './runModel.js';
import type { Disposable, RunSession, RunSessions } from './runSessions.js';
import { acceptMessage, type HostUi, type WebviewPort } from './webviewPage.js';

export class CompareController {
  private held: RunSession[] = [];
  private subs: Disposable[] = [];
  private pair: [string, string] | undefined;
  private pageReady = false;
  private disposed = false;
  private switching: Promise<void> = Promise.resolve();
  private readonly listSub: Disposable;
  /** The sample images whose thumbnails were last posted. */
  private thumbsKey = '';

  constructor(
    private readonly sessions: RunSessions,
    private readonly port: WebviewPort<HostToCompare>,
    private readonly ui: HostUi,
    private readonly thumbs: ThumbnailCache,
    /** Told after a merge or undo in a run's labels (the Runs tree shows cluster names). */
    private readonly onEdited?: (dir: string) => void,
  ) {
    this.listSub = sessions.source.onDidChange(
      () =>
        void this.sessions.list().then(
          () => this.refresh(),
          (e) => this.fail(e),
        ),
    );
  }

  /** Compares `dirs` (runs the run store lists; duplicates dropped), releasing the runs no longer shown. */
  setRuns(dirs: readonly string[]): Promise<void> {
    this.switching = this.switching.then(() => this.switchTo([...new Set(dirs)])).catch((e) => this.fail(e));
    return this.switching;
  }

  private async switchTo(dirs: string[]): Promise<void> {
    await this.sessions.list();
    const next: RunSession[] = [];
    try {
      for (const d of dirs) next.push(this.held.find((s) => s.dir === d) ?? (await this.sessions.acquire(d)));
    } catch (e) {
      // Give back what this switch took; the runs shown before stay shown.
      for (const s of next) if (!this.held.includes(s)) await this.sessions.release(s);
      throw e;
    }
    for (const s of this.held) if (!next.includes(s)) await this.sessions.release(s);
    if (this.disposed) return void (await Promise.all(next.map((s) => this.sessions.release(s))));
    for (const sub of this.subs) sub.dispose();
    this.held = next;
    this.subs = next.map((s) => s.onDidChange(() => this.refresh()));
    this.refresh();
  }

  get dirs(): string[] {
    return this.held.map((s) => s.dir);
  }

  async handle(raw: unknown): Promise<void> {
    const msg = acceptMessage(compareToHost, raw, this.ui, 'CompareController');
    if (!msg) return;
    try {
      await this.dispatch(msg);
    } catch (e) {
      this.ui.error(`ClusterLab: ${(e as Error).message}`);
    }
  }

  private async dispatch(msg: CompareToHost): Promise<void> {
    switch (msg.type) {
      case 'ready':
        this.pageReady = true;
        this.thumbsKey = '';
        await this.sessions.list();
        return this.refresh();
      case 'setRuns':
        return this.setRuns(msg.dirs);
      case 'selectPair':
        if (!this.dirs.includes(msg.a) || !this.dirs.includes(msg.b))
          throw new Error('choose runs A and B among the compared runs');
        this.pair = [msg.a, msg.b];
        return this.refresh();
      case 'showCell':
        return this.showCell(msg.a, msg.b);
      case 'merge': {
        const a = this.runA();
        const live = new Set(liveClusterIds(a.model()));
        // The page offers only live clusters; any other id is a forged message.
        if (msg.from === msg.into || !live.has(msg.from) || !live.has(msg.into))
          throw new Error(`cannot merge cluster ${msg.from} into ${msg.into} in this run`);
        await a.labels.apply((l) => mergeClusters(l, msg.from, msg.into));
        return this.edited(a);
      }
      case 'undo': {
        const a = this.runA();
        await a.labels.undo();
        return this.edited(a);
      }
      case 'copy':
        await this.ui.copyText(msg.text);
        return this.ui.info('ClusterLab: table copied');
    }
  }

  /** Opens run A's gallery on exactly the images A put in cluster `a` and B in cluster `b`. */
  private async showCell(a: number, b: number): Promise<void> {
    const [sa, sb] = this.pairSessions();
    const ma = sa.model();
    const mb = sb.model();
    const images = cellImages(clusteringOf(ma), clusteringOf(mb), a, b);
    if (images.length === 0) return this.ui.info('ClusterLab: no image is in both of those clusters');
    const title =
      `${ma.run.id}: ${clusterName(ma.labels, a)} × ${mb.run.id}: ${clusterName(mb.labels, b)}`.slice(0, 200);
    await this.ui.showGallery(sa.dir, { type: 'filter', images, title });
  }

  private edited(s: RunSession): void {
    s.changed();
    this.onEdited?.(s.dir);
  }

  private pairSessions(): [RunSession, RunSession] {
    const find = (d: string | undefined) => this.held.find((s) => s.dir === d);
    const a = find(this.pair?.[0]) ?? this.held[0];
    const b = find(this.pair?.[1]) ?? this.held.find((s) => s !== a);
    if (!a || !b || a === b) throw new Error('compare two runs to see their clusters side by side');
    return [a, b];
  }

  private runA(): RunSession {
    const a = this.held.find((s) => s.dir === this.pair?.[0]) ?? this.held[0];
    if (!a) throw new Error('no run is compared');
    return a;
  }

  refresh(): void {
    if (this.disposed || !this.pageReady) return;
    try {
      const state = this.render(this.sessions.choices());
      this.port.post(state);
      void this.postThumbs(state);
    } catch (e) {
      this.fail(e);
    }
  }

  /** The page's state; `bare` leaves the runs out (their state could not be built). */
  private render(runs: RunChoice[], error?: string, bare = false): CompareState {
    const nameOf = (dir: string) => runs.find((c) => c.dir === dir)?.label;
    const chosen: CompareRun[] = bare
      ? []
      : this.held.map((s) => ({
          model: s.model(),
          name: nameOf(s.dir),
          metrics: s.metrics,
          ...(s.summary ? { summary: s.summary } : {}),
        }));
    const state = compareState(chosen, runs, {
      ...(this.pair ? { pair: this.pair } : {}),
      canUndo: chosen.length > 0 && this.runA().labels.canUndo,
    });
    const why =
      error ??
      (runs.length === 0
        ? 'No runs yet.'
        : chosen.length < 2
          ? 'Choose two or more runs to compare.'
          : undefined);
    return why ? { ...state, error: why } : state;
  }

  /** Thumbnails of the merge candidates' sample images, once per distinct set. */
  private async postThumbs(state: CompareState): Promise<void> {
    const m = state.merges;
    const paths = m ? [...new Set(m.pairs.flatMap((p) => [...p.samplesA, ...p.samplesB]))] : [];
    const key = JSON.stringify([m?.dir, paths]);
    if (!m || paths.length === 0 || key === this.thumbsKey) return;
    this.thumbsKey = key;
    const session = this.held.find((s) => s.dir === m.dir);
    if (!session) return;
    const thumbs = await thumbnailUris(
      runImages(session.model()),
      paths,
      this.thumbs,
      this.port,
      this.ui.isInWorkspace,
    );
    if (!this.disposed) this.port.post({ type: 'thumbs', thumbs });
  }

  private fail(e: unknown): void {
    const message = e instanceof Error ? e.message : String(e);
    this.ui.log(`compare view error: ${message}`);
    if (this.disposed || !this.pageReady) return;
    // A refused switch keeps the runs shown before; a run whose state cannot be built shows none.
    let state: CompareState;
    try {
      state = this.render(this.sessions.choices(), message);
    } catch {
      state = this.render(this.sessions.choices(), message, true);
    }
    this.port.post(state);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.listSub.dispose();
    for (const sub of this.subs) sub.dispose();
    await this.switching;
    await Promise.all(this.held.map((s) => this.sessions.release(s)));
    this.held = [];
  }
}

/** A command argument as a run folder: the folder itself, a Runs tree item carrying one, or nothing. */
export const commandRunDir = (arg: unknown): string | undefined =>
  typeof arg === 'string'
    ? arg
    : typeof arg === 'object' && arg !== null && typeof (arg as { dir?: unknown }).dir === 'string'
      ? (arg as { dir: string }).dir
      : undefined;

/**
 * The run folders `clusterlab.compareRuns` was invoked with: a list of folders or Runs tree items
 * (an experiment's lens, a test), or a clicked tree item followed by the tree's whole selection.
 */
export function commandRunDirs(args: readonly unknown[]): string[] {
  const list = args.find(Array.isArray) as unknown[] | undefined;
  const dirs = (list ?? args).map(commandRunDir).filter((d): d is string => d !== undefined);
  return [...new Set(dirs)];
}
