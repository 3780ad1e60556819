/**
 * What the pages that show a run's images (gallery, map) share on the host: thumbnails, opening
 * an image, the relabel edits through the run's labels store, excluding images from the dataset,
 * and the run's shared selection.
 * Any path a page names is refused unless the run lists it and it lies inside the dataset folder
 * and the workspace (datasetFile).
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Schema } from '../../protocol/schema.js';
import type { SelectionMessage, ThumbsReply } from '../../protocol/pageMessages.js';
import { writeFileAtomic } from '../../common/atomicFile.js';
import { mergeClusters, moveImages, nextClusterId, renameCluster } from '../../common/labels.js';
import { exportText } from '../../common/runExport.js';
import { count } from '../../common/plural.js';
import type { ThumbnailCache } from '../workspace/thumbnails.js';
import { datasetFile, requireKnown, thumbnailUris } from './datasetFile.js';
import { liveClusterIds } from './runModel.js';
import type { Disposable, RunSession, RunSessions } from './runSessions.js';
import { RunPage, type HostUi, type WebviewPort } from './webviewPage.js';

/** The label edits both pages send. */
export type LabelEdit =
  | { type: 'rename'; cluster: number; name: string }
  | { type: 'move'; paths: string[]; to: number }
  | { type: 'moveToNew'; paths: string[]; name?: string }
  | { type: 'merge'; from: number; into: number }
  | { type: 'undo' }
  | { type: 'redo' };

/** The messages both pages send, handled here; the rest go to the page's own dispatch. */
type SharedMessage =
  | { type: 'ready' }
  | { type: 'selectRun'; dir: string }
  | { type: 'thumbs'; paths: string[] }
  | { type: 'open'; path: string }
  | { type: 'selection'; paths: string[] }
  | { type: 'exclude'; paths: string[]; exclude: boolean }
  | LabelEdit;
export type OwnMessage<In> = Exclude<In, { type: SharedMessage['type'] }>;

/** What both pages are sent besides their own state. */
type ImageMessage = ThumbsReply | SelectionMessage;

export abstract class ImagePage<In extends { type: string }, Out> extends RunPage<Out | ImageMessage> {
  /** Thumbnail requests not yet started; a newer request (the user scrolled on) replaces them. */
  private pendingThumbs: string[] = [];
  private thumbing = false;

  constructor(
    sessions: RunSessions,
    port: WebviewPort<Out | ImageMessage>,
    ui: HostUi,
    private readonly thumbs: ThumbnailCache,
    /** Told after each edit of a run's labels (the Runs tree shows cluster names). */
    private readonly onEdited?: (dir: string) => void,
  ) {
    super(sessions, port, ui);
  }

  /** What the page may send. */
  protected abstract readonly incoming: Schema<In>;
  protected abstract dispatch(msg: OwnMessage<In>): Promise<void>;

  /** A message from the page: validated, then handled; a refusal shows as an error message. */
  async handle(raw: unknown): Promise<void> {
    const msg = this.accept(this.incoming, raw);
    if (msg === undefined) return;
    try {
      await this.route(msg);
    } catch (e) {
      this.ui.error(`ClusterLab: ${(e as Error).message}`);
    }
  }

  private async route(msg: In): Promise<void> {
    const m = msg as unknown as SharedMessage;
    switch (m.type) {
      case 'ready':
        return this.ready();
      case 'selectRun':
        return this.showRun(m.dir);
      case 'thumbs':
        this.pendingThumbs = m.paths;
        return this.pumpThumbs();
      case 'open':
        return this.ui.openFile(this.fileOf(m.path));
      case 'selection':
        return this.select(m.paths);
      case 'exclude':
        return this.exclude(m.paths, m.exclude);
      case 'rename':
      case 'move':
      case 'moveToNew':
      case 'merge':
      case 'undo':
      case 'redo':
        return this.editLabels(m);
      default:
        return this.dispatch(msg as OwnMessage<In>);
    }
  }

  /** Another page's selection of this run shows here too. */
  protected watchSession(session: RunSession): Disposable[] {
    return [
      session.onDidSelect(
        (paths, from) => from !== this && this.postWhenReady({ type: 'selection', paths: [...paths] }),
      ),
    ];
  }

  /** A reloaded page gets the run's selection back after its state. */
  protected async ready(): Promise<void> {
    await super.ready();
    if (this.session && this.session.selection.length > 0)
      this.port.post({ type: 'selection', paths: [...this.session.selection] });
  }

  /** The page's selection becomes the run's: the other pages of the run show it. */
  private select(paths: string[]): void {
    this.requireKnown(paths);
    this.requireSession().select(paths, this);
  }

  /** Puts the images on the dataset's exclusion list (or takes them off): one undoable edit, files untouched. */
  protected async exclude(paths: string[], exclude: boolean): Promise<void> {
    this.requireKnown(paths);
    const s = this.requireSession();
    await (exclude ? s.editExclusions(paths, []) : s.editExclusions([], paths));
    s.changed();
    await this.sessions.exclusionsChanged(s);
  }

  private async editLabels(msg: LabelEdit): Promise<void> {
    const s = this.requireSession();
    if (!existsSync(join(s.dir, 'run.json'))) {
      // Deleted under the page, before the list of runs said so: show what is left instead.
      void this.showRun();
      throw new Error(`the run ${basename(s.dir)} was deleted (its folder is gone); the edit was not saved`);
    }
    const m = s.model();
    const trainedOf = (p: string) => {
      const i = m.index.get(p);
      return i === undefined ? undefined : m.trained[i];
    };
    // The page offers only the clusters it shows; any other id is a forged message.
    const requireCluster = (...ids: number[]) => {
      const live = new Set(liveClusterIds(m));
      const bad = ids.find((c) => !live.has(c));
      if (bad !== undefined) throw new Error(`no cluster ${bad} in this run`);
    };
    switch (msg.type) {
      case 'rename':
        requireCluster(msg.cluster);
        await s.editLabels((l) => renameCluster(l, msg.cluster, msg.name));
        break;
      case 'move':
        this.requireKnown(msg.paths);
        requireCluster(msg.to);
        await s.editLabels((l) => moveImages(l, msg.paths, msg.to, trainedOf));
        break;
      case 'moveToNew': {
        this.requireKnown(msg.paths);
        const name = msg.name;
        // Moving and naming are one edit: one undo takes both back.
        await s.editLabels((l) => {
          const id = Math.max(nextClusterId(l, m.trained), m.run.config.clusters);
          const moved = moveImages(l, msg.paths, id, trainedOf);
          return name ? renameCluster(moved, id, name) : moved;
        });
        break;
      }
      case 'merge':
        requireCluster(msg.from, msg.into);
        await s.editLabels((l) => mergeClusters(l, msg.from, msg.into));
        break;
      case 'undo':
        await s.undo();
        break;
      case 'redo':
        await s.redo();
        break;
    }
    s.changed();
    this.onEdited?.(s.dir);
  }

  /** Writes the run's clusters (all images, or only `paths`) where the user picks. */
  protected async exportTo(format: 'csv' | 'json', paths?: string[]): Promise<void> {
    const m = this.exportableModel();
    if (paths) this.requireKnown(paths);
    const only = paths && paths.map((p) => m.index.get(p)!);
    const target = await this.ui.saveFile(`${m.run.id}-${only ? 'selection' : 'clusters'}.${format}`, format);
    if (!target) return;
    await writeFileAtomic(target, exportText(m, format, only));
    this.ui.info(`Exported ${count(only ? only.length : m.paths.length, 'image')} to ${target}`);
  }

  /** Makes thumbnails for the newest request, one request at a time, and posts each batch's URLs. */
  private async pumpThumbs(): Promise<void> {
    if (this.thumbing) return;
    this.thumbing = true;
    try {
      while (this.pendingThumbs.length > 0 && this.session) {
        const paths = this.pendingThumbs;
        this.pendingThumbs = [];
        this.port.post({
          type: 'thumbs',
          thumbs: await thumbnailUris(
            this.session.model(),
            paths,
            this.thumbs,
            this.port,
            this.ui.isInWorkspace,
          ),
        });
      }
    } finally {
      this.thumbing = false;
    }
  }

  /** The run to export: refused while the dataset's exclusion list is damaged (it would be ignored). */
  protected exportableModel(): ReturnType<RunSession['model']> {
    const s = this.requireSession();
    if (s.exclusionError) throw new Error(s.exclusionError);
    return s.model();
  }

  protected requireSession(): RunSession {
    if (!this.session) throw new Error('no run is shown');
    return this.session;
  }

  protected requireKnown(paths: readonly string[]): void {
    requireKnown(this.requireSession().model(), paths);
  }

  /** The file behind a page's path (see datasetFile). */
  protected fileOf(path: string): string {
    return datasetFile(this.requireSession().model(), path, this.ui.isInWorkspace);
  }
}
