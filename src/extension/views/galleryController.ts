/**
 * The gallery page's host side: answers its messages (validated first), applies relabel edits
 * through the run's labels store, makes thumbnails, and refuses any file the run does not list
 * or that lies outside the workspace.
 */
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { writeFileAtomic } from '../../common/atomicFile.js';
import { mergeClusters, moveImages, nextClusterId, renameCluster } from '../../common/labels.js';
import { galleryToHost, type GalleryFilter, type GalleryState, type GalleryToHost, type RunChoice } from '../../protocol/webview.js';
import { exportText, materialize } from '../workspace/labelsExport.js';
import type { ThumbnailCache } from '../workspace/thumbnails.js';
import { galleryState, liveClusterIds } from './galleryModel.js';
import type { RunSession, RunSessions } from './galleryRuns.js';
import { RunPage, type HostUi, type WebviewPort } from './webviewPage.js';
import { count } from '../../common/plural.js';

export class GalleryController extends RunPage {
  /** Thumbnail requests not yet started; a newer request (the user scrolled on) replaces them. */
  private pendingThumbs: string[] = [];
  private thumbing = false;

  constructor(
    sessions: RunSessions,
    port: WebviewPort,
    ui: HostUi,
    private readonly thumbs: ThumbnailCache,
    /** Told after each edit of a run's labels (the Runs tree shows cluster names). */
    private readonly onEdited?: (dir: string) => void,
  ) {
    super(sessions, port, ui);
  }

  protected render(session: RunSession | undefined, runs: RunChoice[], error?: string): GalleryState {
    if (session && !error) {
      const state = galleryState(session.model(), runs, session.labels.canUndo, session.labels.canRedo);
      return session.error ? { ...state, error: session.error } : state;
    }
    return {
      type: 'gallery',
      runs,
      classes: [],
      superClasses: [],
      superOfClass: [],
      clusters: [],
      items: { folders: [], folder: [], names: [], cluster: [], confidence: [], label: [] },
      newItems: [],
      movedItems: [],
      canUndo: false,
      canRedo: false,
      error: error ?? (runs.length === 0 ? 'No runs yet: train one (ClusterLab: Train Clustering) and its clusters show here.' : undefined),
    };
  }

  /** Narrows the page to a cluster (and class), after showing the run it belongs to. */
  async applyFilter(dir: string, filter: GalleryFilter): Promise<void> {
    await this.showRun(dir);
    this.postWhenReady(filter);
  }

  async handle(raw: unknown): Promise<void> {
    const msg = this.accept(galleryToHost, raw);
    if (!msg) return;
    try {
      await this.dispatch(msg);
    } catch (e) {
      this.ui.error(`ClusterLab: ${(e as Error).message}`);
    }
  }

  private async dispatch(msg: GalleryToHost): Promise<void> {
    switch (msg.type) {
      case 'ready':
        return this.ready();
      case 'selectRun':
        return this.showRun(msg.dir);
      case 'thumbs':
        this.pendingThumbs = msg.paths;
        return this.pumpThumbs();
      case 'open':
        return this.ui.openFile(this.fileOf(msg.path));
      case 'reveal':
        return this.ui.revealFile(this.fileOf(msg.path));
      case 'copyPath':
        return this.ui.copyText(this.fileOf(msg.path));
      case 'openPanel':
        if (this.session) await this.ui.showGallery(this.session.dir);
        return;
      default:
        return this.edit(msg);
    }
  }

  private async edit(msg: Exclude<GalleryToHost, { type: 'ready' | 'selectRun' | 'thumbs' | 'open' | 'reveal' | 'copyPath' | 'openPanel' }>): Promise<void> {
    const s = this.requireSession();
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
        await s.labels.apply((l) => renameCluster(l, msg.cluster, msg.name));
        break;
      case 'move':
        this.requireKnown(msg.paths);
        requireCluster(msg.to);
        await s.labels.apply((l) => moveImages(l, msg.paths, msg.to, trainedOf));
        break;
      case 'moveToNew':
        this.requireKnown(msg.paths);
        await s.labels.apply((l) => moveImages(l, msg.paths, Math.max(nextClusterId(l, m.trained), m.run.config.clusters), trainedOf));
        break;
      case 'merge':
        requireCluster(msg.from, msg.into);
        await s.labels.apply((l) => mergeClusters(l, msg.from, msg.into));
        break;
      case 'undo':
        await s.labels.undo();
        break;
      case 'redo':
        await s.labels.redo();
        break;
      case 'export':
        return this.exportTo(msg.format);
      case 'materialize':
        return this.materialize();
    }
    s.changed();
    this.onEdited?.(s.dir);
  }

  private async exportTo(format: 'csv' | 'json'): Promise<void> {
    const m = this.requireSession().model();
    const target = await this.ui.saveFile(`${m.run.id}-clusters.${format}`, format);
    if (!target) return;
    await writeFileAtomic(target, exportText(m, format));
    this.ui.info(`Exported ${count(m.paths.length, 'image')} to ${target}`);
  }

  private async materialize(): Promise<void> {
    const m = this.requireSession().model();
    const target = await this.materializeTarget(m.run.id, m.run.dataset.root);
    if (!target) return;
    const mode = await this.ui.pickOne('Put the images into the cluster folders as', [
      { label: 'Copies', detail: 'independent files; the originals stay where they are', value: 'copy' },
      { label: 'Symbolic links', detail: 'no extra space; they point at the originals', value: 'symlink' },
    ]);
    if (!mode) return;
    const r = await materialize(m, target, mode);
    this.ui.info(`${count(r.written, 'image')} ${mode === 'copy' ? 'copied' : 'linked'} into ${target}${r.skipped ? ` (${r.skipped} skipped: already there or unreadable)` : ''}`);
  }

  /**
   * Where the cluster folders go: by default a new folder sorted/<run> beside the dataset, made for
   * the user (the browser's folder picker cannot create one); or a folder they pick.
   */
  private async materializeTarget(runId: string, datasetRoot: string): Promise<string | undefined> {
    let fresh = join(dirname(resolve(datasetRoot)), 'sorted', runId);
    for (let i = 2; existsSync(fresh); i++) fresh = join(dirname(resolve(datasetRoot)), 'sorted', `${runId}-${i}`);
    const where = await this.ui.pickOne('Put one folder per cluster into', [
      { label: `New folder ${relative(dirname(resolve(datasetRoot)), fresh).split(sep).join('/')}`, detail: fresh, value: 'default' },
      { label: 'Choose a folder…', detail: 'an existing folder', value: 'pick' },
    ]);
    if (where === 'default') return fresh;
    return where === 'pick' ? this.ui.pickFolder('Folder to fill with one sub-folder per cluster') : undefined;
  }

  /** Makes thumbnails for the newest request, one request at a time, and posts each batch's URLs. */
  private async pumpThumbs(): Promise<void> {
    if (this.thumbing) return;
    this.thumbing = true;
    try {
      while (this.pendingThumbs.length > 0 && this.session) {
        const paths = this.pendingThumbs;
        this.pendingThumbs = [];
        const known = paths.filter((p) => this.session!.model().index.has(p));
        const files = await Promise.all(known.map((p) => this.thumbOf(p)));
        this.port.post({ type: 'thumbs', thumbs: known.map((path, i) => ({ path, uri: files[i] ? this.port.asUri(files[i]) : '' })) });
      }
    } finally {
      this.thumbing = false;
    }
  }

  /** A refused or undecodable image gets no thumbnail rather than failing its whole batch. */
  private async thumbOf(path: string): Promise<string | undefined> {
    try {
      return await this.thumbs.get(this.fileOf(path));
    } catch {
      return undefined;
    }
  }

  private requireSession(): RunSession {
    if (!this.session) throw new Error('no run is shown');
    return this.session;
  }

  private requireKnown(paths: readonly string[]): void {
    const index = this.requireSession().model().index;
    const unknown = paths.find((p) => !index.has(p));
    if (unknown !== undefined) throw new Error(`not an image of this run: ${unknown}`);
  }

  /**
   * The file behind a gallery path. Refused unless the run lists it, it resolves inside the
   * dataset folder (a crafted assignments.csv could say ../..), and that folder is in the workspace.
   */
  private fileOf(path: string): string {
    this.requireKnown([path]);
    const root = resolve(this.requireSession().run.dataset.root);
    const file = resolve(join(root, path));
    if (!file.startsWith(root + sep)) throw new Error(`refused: ${path} lies outside the dataset folder`);
    if (!this.ui.isInWorkspace(file)) throw new Error(`refused: ${file} is outside the workspace`);
    return file;
  }
}
