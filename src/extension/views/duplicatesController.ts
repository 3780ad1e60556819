/**
 * The Duplicates page's host side: asks the trainer for a run's duplicate groups at the page's
 * threshold (one request at a time; each answer kept until the threshold or run changes), and
 * turns "keep one, exclude the rest" into one undoable edit of the dataset's exclusion list.
 * It may show an image folder with no run instead (a user dedupes before training): by hash only,
 * its exclusion list edited through a FolderExclusions.
 */
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import {
  DEFAULT_BITS,
  DEFAULT_COSINE,
  duplicatesToHost,
  thresholdsOf,
  type DuplicatesBy,
  type DuplicatesResult,
  type DuplicatesState,
  type DuplicatesToHost,
  type HostToDuplicates,
} from '../../protocol/duplicatesMessages.js';
import type { GalleryFilter } from '../../protocol/galleryMessages.js';
import type { RunChoice } from '../../protocol/pageMessages.js';
import { count } from '../../common/plural.js';
import { NO_IMAGES } from '../workspace/folderProbe.js';
import type { ThumbnailCache } from '../workspace/thumbnails.js';
import type { KnownImages } from './datasetFile.js';
import { duplicatesState } from './duplicatesModel.js';
import { FolderExclusions } from './folderExclusions.js';
import { ImagePage, type LabelEdit, type OwnMessage } from './imagePage.js';
import { runInfoOf } from './runModel.js';
import type { Disposable, RunSession, RunSessions } from './runSessions.js';
import type { HostUi, WebviewPort } from './webviewPage.js';

/** The trainer's duplicates request for a run folder or an image folder, reporting its work-done progress. */
export type DuplicatesFn = (
  dir: string,
  by: DuplicatesBy,
  threshold: number,
  onProgress: (p: { percentage?: number; message?: string }) => void,
) => Promise<DuplicatesResult>;

const NO_TRAINER = 'Finding duplicates needs the trainer, which does not start in an untrusted workspace.';

export class DuplicatesController extends ImagePage<DuplicatesToHost, DuplicatesState> {
  protected readonly incoming = duplicatesToHost;
  private by: DuplicatesBy = 'hash';
  private threshold = DEFAULT_BITS;
  /** Answers by `${dir}|${by}|${threshold}`: moving the slider back shows a threshold at once. */
  private readonly results = new Map<string, DuplicatesResult>();
  private readonly failures = new Map<string, string>();
  private computing: { key: string; message: string } | undefined;
  /** The image folder shown instead of a run; `refusal` says why it cannot be compared. */
  private folder: { exclusions: FolderExclusions; refusal?: string; sub: Disposable } | undefined;

  constructor(
    sessions: RunSessions,
    port: WebviewPort<HostToDuplicates>,
    ui: HostUi,
    thumbs: ThumbnailCache,
    /** Absent where no trainer may start (an untrusted workspace). */
    private readonly find?: DuplicatesFn,
  ) {
    super(sessions, port, ui, thumbs);
  }

  protected showInGallery(filter: GalleryFilter): Promise<void> {
    return this.ui.showGallery(this.requireSession().dir, filter);
  }

  protected render(session: RunSession | undefined, runs: RunChoice[], error?: string): DuplicatesState {
    if (this.folder) return this.renderFolder(this.folder, runs, error);
    const base = {
      runs,
      byChoices: ['hash'] as DuplicatesBy[],
      by: this.by,
      threshold: this.threshold,
      excluded: new Set<string>(),
      canUndo: false,
      canRedo: false,
    };
    if (!session || error)
      return duplicatesState({
        ...base,
        error:
          error ??
          (runs.length === 0
            ? 'No runs yet: choose a folder of images (Choose Folder…) to find its duplicates before training, or train one.'
            : undefined),
      });
    const key = `${session.dir}|${this.by}|${this.threshold}`;
    if (!this.results.has(key) && !this.failures.has(key) && this.computing === undefined)
      void this.compute(session.dir, this.by, this.threshold, key);
    const m = session.model();
    return duplicatesState({
      ...base,
      run: runInfoOf(session.dir, session.run),
      byChoices: this.byChoices(session.dir),
      result: this.withAllCounts(session.dir, this.results.get(key)),
      excluded: m.excluded,
      computing: this.computing?.message,
      canUndo: session.canUndo,
      canRedo: session.canRedo,
      error: session.error ?? session.exclusionError ?? this.failures.get(key),
    });
  }

  /** A folder with no run: its groups by hash, less its exclusion list; cosine needs a run's features. */
  private renderFolder(
    folder: NonNullable<typeof this.folder>,
    runs: RunChoice[],
    error: string | undefined,
  ): DuplicatesState {
    const root = folder.exclusions.root;
    const key = `${root}|hash|${this.threshold}`;
    const refused = error ?? folder.refusal ?? folder.exclusions.error;
    if (!refused && !this.results.has(key) && !this.failures.has(key) && this.computing === undefined)
      void this.compute(root, 'hash', this.threshold, key);
    const result = this.results.get(key);
    const empty =
      result && result.images === 0 && result.excluded === 0 ? `${root}: ${NO_IMAGES}` : undefined;
    return duplicatesState({
      runs,
      folder: { dir: root, name: basename(root) },
      byChoices: ['hash'],
      by: 'hash',
      threshold: this.threshold,
      result: this.withAllCounts(root, result),
      excluded: folder.exclusions.excluded,
      computing: this.computing?.message,
      canUndo: folder.exclusions.canUndo,
      canRedo: folder.exclusions.canRedo,
      error: refused ?? this.failures.get(key) ?? empty,
    });
  }

  /**
   * Shows the duplicates of `dir`, an image folder with no run (the user picks one when undefined);
   * a folder the Runs view lists as a run shows that run. Bad input shows as the page's error line.
   */
  async showFolder(dir?: string): Promise<void> {
    const picked = dir ?? (await this.ui.pickFolder('Find Duplicate Images in Folder'));
    if (picked === undefined) return;
    const root = resolve(picked);
    const run = (await this.sessions.list()).find((e) => resolve(e.dir) === root);
    if (run) return this.showRun(run.dir);
    const refusal = !this.ui.isInWorkspace(root)
      ? `${root} is outside the workspace: ClusterLab reads images and writes exclusion lists only inside it`
      : existsSync(join(root, 'run.json'))
        ? `${root} is a run folder the Runs view does not list, not an image folder`
        : undefined;
    // Opening a folder looks at it afresh (its files may have changed; the trainer's hash cache keeps it quick).
    for (const map of [this.results, this.failures])
      for (const key of map.keys()) if (key.startsWith(`${root}|`)) map.delete(key);
    if (this.by !== 'hash') {
      this.by = 'hash';
      this.threshold = DEFAULT_BITS;
    }
    // The same folder again keeps its undo history.
    const exclusions =
      this.folder?.exclusions.root === root ? this.folder.exclusions : new FolderExclusions(root);
    this.closeFolder();
    const sub = this.sessions.onDidChangeExclusions(async (changed, from) => {
      if (from === this || changed !== root) return;
      await exclusions.reload();
      this.refresh();
    });
    // Set first: a list change meanwhile must not bring the default run back.
    this.folder = { exclusions, ...(refusal ? { refusal } : {}), sub };
    await this.showNoRun();
    if (!refusal) await exclusions.reload();
    this.refresh();
  }

  /** A run, or the picker's entry of the folder shown (which stays). */
  override showRun(dir?: string): Promise<void> {
    const folder = this.folder;
    if (folder && (dir === undefined || resolve(dir) === folder.exclusions.root))
      return this.sessions.list().then(
        () => this.refresh(),
        (e) => this.fail(e),
      );
    this.closeFolder();
    return super.showRun(dir);
  }

  private closeFolder(): void {
    this.folder?.sub.dispose();
    this.folder = undefined;
  }

  override async dispose(): Promise<void> {
    this.closeFolder();
    await super.dispose();
  }

  /** A folder's images the page may name: the members of the groups it was sent. */
  protected override knownImages(): KnownImages | undefined {
    if (!this.folder) return super.knownImages();
    const root = this.folder.exclusions.root;
    const shown = new Set<string>();
    for (const [key, r] of this.results)
      if (key.startsWith(`${root}|`)) for (const g of r.groups) for (const m of g.members) shown.add(m.path);
    return { root, has: (p) => shown.has(p), of: 'this folder' };
  }

  protected override async exclude(paths: string[], exclude: boolean): Promise<void> {
    const folder = this.folder;
    if (!folder) return super.exclude(paths, exclude);
    this.requireKnown(paths);
    await (exclude ? folder.exclusions.edit(paths, []) : folder.exclusions.edit([], paths));
    await this.sessions.exclusionsChanged(folder.exclusions.root, this);
    this.refresh();
  }

  /** On a folder, Undo and Redo step through its exclusion edits (the page sends no other label edit). */
  protected override async editLabels(msg: LabelEdit): Promise<void> {
    const folder = this.folder;
    if (!folder) return super.editLabels(msg);
    if (msg.type !== 'undo' && msg.type !== 'redo') throw new Error('a folder with no run has no clusters');
    await (msg.type === 'undo' ? folder.exclusions.undo() : folder.exclusions.redo());
    await this.sessions.exclusionsChanged(folder.exclusions.root, this);
    this.refresh();
  }

  /**
   * The counts of every threshold computed so far for this run (a strict threshold's answer counts
   * only up to itself), so the slider's counts stay whole as the user moves it.
   */
  private withAllCounts(dir: string, result: DuplicatesResult | undefined): DuplicatesResult | undefined {
    if (!result) return undefined;
    const counts = new Map(result.counts.map((c) => [c.threshold, c]));
    for (const [key, r] of this.results)
      if (key.startsWith(`${dir}|${this.by}|`))
        for (const c of r.counts) if (!counts.has(c.threshold)) counts.set(c.threshold, c);
    const order = thresholdsOf(this.by);
    return {
      ...result,
      counts: [...counts.values()].sort((a, b) => order.indexOf(a.threshold) - order.indexOf(b.threshold)),
    };
  }

  /** By cosine where the run saved features or recorded a feature model. */
  private byChoices(dir: string): DuplicatesBy[] {
    const cosine = ['features.json', 'feature-model.json'].some((f) => existsSync(join(dir, f)));
    return cosine ? ['hash', 'cosine'] : ['hash'];
  }

  private async compute(dir: string, by: DuplicatesBy, threshold: number, key: string): Promise<void> {
    if (!this.find) {
      this.failures.set(key, NO_TRAINER);
      return;
    }
    this.computing = { key, message: 'Finding duplicates…' };
    try {
      const result = await this.find(dir, by, threshold, (p) => {
        if (!this.computing) return;
        this.computing.message = `Finding duplicates: ${p.message ?? ''}${p.percentage !== undefined ? ` (${p.percentage}%)` : ''}`;
        this.refresh();
      });
      this.results.set(key, result);
    } catch (e) {
      this.failures.set(key, (e as Error).message);
    } finally {
      this.computing = undefined;
      // The page may have moved on meanwhile: its threshold is computed next.
      this.refresh();
    }
  }

  protected async dispatch(msg: OwnMessage<DuplicatesToHost>): Promise<void> {
    if (msg.type === 'pickFolder') return this.showFolder();
    const dir = this.folder?.exclusions.root ?? this.requireSession().dir;
    switch (msg.type) {
      case 'group': {
        const choices: DuplicatesBy[] = this.folder ? ['hash'] : this.byChoices(dir);
        if (!choices.includes(msg.by) || !thresholdsOf(msg.by).includes(msg.threshold))
          throw new Error(
            `no threshold ${msg.threshold} by ${msg.by} for this ${this.folder ? 'folder' : 'run'}`,
          );
        if (msg.by !== this.by && msg.threshold === this.threshold)
          msg = { ...msg, threshold: msg.by === 'hash' ? DEFAULT_BITS : DEFAULT_COSINE };
        this.by = msg.by;
        this.threshold = msg.threshold;
        // A failed answer is asked again when the user comes back to it.
        this.failures.delete(`${dir}|${this.by}|${this.threshold}`);
        this.refresh();
        return;
      }
      case 'keepOne': {
        const exclude = msg.groups.flatMap((g) => g.exclude);
        if (msg.groups.some((g) => g.exclude.includes(g.keep)))
          throw new Error('an image to keep was also to be excluded');
        if (exclude.length === 0) return;
        await this.exclude(exclude, true);
        this.ui.info(
          `Excluded ${count(exclude.length, 'image')} from the dataset, keeping one of each of ${count(msg.groups.length, 'group')} (Undo takes them back)`,
        );
        return;
      }
    }
  }
}
