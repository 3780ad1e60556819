/**
 * What the pages that show a run's images (gallery, map) share on the host: thumbnails, opening
 * an image, the relabel edits through the run's labels store, excluding images from the dataset,
 * the run's shared selection, its "doesn't belong" scores and "more like this".
 * Any path a page names is refused unless the run lists it and it lies inside the dataset folder
 * and the workspace (datasetFile).
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Schema } from '../../protocol/schema.js';
import type { GalleryFilter } from '../../protocol/galleryMessages.js';
import type { BelongScores, SelectionMessage, ThumbsReply } from '../../protocol/pageMessages.js';
import { writeFileAtomic } from '../../common/atomicFile.js';
import { mergeClusters, moveImages, nextClusterId, renameCluster } from '../../common/labels.js';
import { deletedLine, exportText, refuseInsideDataset, splitDeleted } from '../../common/runExport.js';
import { count } from '../../common/plural.js';
import type { ThumbnailCache } from '../workspace/thumbnails.js';
import { belongScores } from './belongScores.js';
import { datasetFile, requireKnown, runImages, thumbnailUris, type KnownImages } from './datasetFile.js';
import { moreLike } from './moreLike.js';
import { liveClusterIds, type RunModel } from './runModel.js';
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
  | { type: 'belong' }
  | { type: 'moreLike'; path: string }
  | LabelEdit;
export type OwnMessage<In> = Exclude<In, { type: SharedMessage['type'] }>;

/** What both pages are sent besides their own state. */
type ImageMessage = ThumbsReply | SelectionMessage | BelongScores;

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
  /** Shows exactly these images in the gallery (this page, or the gallery beside it). */
  protected abstract showInGallery(filter: GalleryFilter): Promise<void>;

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
      case 'belong':
        return this.sendBelong();
      case 'moreLike':
        return this.showInGallery(await moreLike(this.requireSession(), m.path));
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

  /** The scores for the run as shown now; computed again only after an edit (the clusters' centres moved). */
  private async sendBelong(): Promise<void> {
    const s = this.requireSession();
    const model = s.model();
    const reply = await belongScores(s);
    // A newer edit or another run while it computed: the page asks again with its next state.
    if (this.session?.model() === model) this.port.post(reply);
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
    await this.sessions.exclusionsChanged(s.run.dataset.root, s);
  }

  protected async editLabels(msg: LabelEdit): Promise<void> {
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
    // An undone or redone exclusion: the other pages of the dataset read its list again.
    if (msg.type === 'undo' || msg.type === 'redo')
      await this.sessions.exclusionsChanged(s.run.dataset.root, s);
    this.onEdited?.(s.dir);
  }

  /** Writes the run's clusters (all images, or only `paths`) where the user picks. */
  protected async exportTo(format: 'csv' | 'json', paths?: string[]): Promise<void> {
    const { m, only, deleted } = await this.exportSelection(paths);
    const target = await this.ui.saveFile(
      `${m.run.id}-${paths ? 'selection' : 'clusters'}.${format}`,
      format,
    );
    if (!target) return;
    await refuseInsideDataset(target, m.run.dataset.root);
    await writeFileAtomic(target, exportText(m, format, only));
    this.ui.info(`Exported ${count(only.length, 'image')} to ${target}${deleted ? ` (${deleted})` : ''}`);
  }

  /**
   * The run to export and the indices of the images to write: the selection's (`paths`) or all,
   * less those deleted since training, said in `deleted`. A selection the page still shows may
   * name images the dataset watcher has dropped since; a path the run never had is refused.
   */
  protected async exportSelection(
    paths?: string[],
  ): Promise<{ m: RunModel; only: number[]; deleted: string }> {
    const m = this.exportableModel();
    const trained = new Set(this.requireSession().rows.map((r) => r.path));
    const unknown = paths?.find((p) => !m.index.has(p) && !trained.has(p));
    if (unknown !== undefined) throw new Error(`not an image of this run: ${unknown}`);
    const dropped = paths ? paths.filter((p) => !m.index.has(p)) : [];
    const chosen = paths
      ? paths.filter((p) => m.index.has(p)).map((p) => m.index.get(p)!)
      : [...m.paths.keys()];
    const { present, gone } = await splitDeleted(m, chosen);
    if (present.length === 0 && paths)
      throw new Error(
        `none of the ${count(paths.length, 'selected image')} exists any more (deleted since they were selected): nothing was exported`,
      );
    const deleted = [...dropped, ...gone.map((i) => m.paths[i]!)];
    return { m, only: present, deleted: deleted.length > 0 ? deletedLine(deleted) : '' };
  }

  /** Makes thumbnails for the newest request, one request at a time, and posts each batch's URLs. */
  private async pumpThumbs(): Promise<void> {
    if (this.thumbing) return;
    this.thumbing = true;
    try {
      for (
        let images = this.knownImages();
        this.pendingThumbs.length > 0 && images;
        images = this.knownImages()
      ) {
        const paths = this.pendingThumbs;
        this.pendingThumbs = [];
        this.port.post({
          type: 'thumbs',
          thumbs: await thumbnailUris(images, paths, this.thumbs, this.port, this.ui.isInWorkspace),
        });
      }
    } finally {
      this.thumbing = false;
    }
  }

  /** The run to export: refused while the dataset's exclusion list is damaged (it would be ignored). */
  protected exportableModel(): RunModel {
    const s = this.requireSession();
    if (s.exclusionError) throw new Error(s.exclusionError);
    return s.model();
  }

  protected requireSession(): RunSession {
    if (!this.session) throw new Error('no run is shown');
    return this.session;
  }

  /** The images the page may name (thumbnails, open): the run's; undefined while none is shown. */
  protected knownImages(): KnownImages | undefined {
    return this.session && runImages(this.session.model());
  }

  protected requireKnown(paths: readonly string[]): void {
    requireKnown(this.requireImages(), paths);
  }

  /** The file behind a page's path (see datasetFile). */
  protected fileOf(path: string): string {
    return datasetFile(this.requireImages(), path, this.ui.isInWorkspace);
  }

  private requireImages(): KnownImages {
    const images = this.knownImages();
    if (!images) throw new Error('no run is shown');
    return images;
  }
}
