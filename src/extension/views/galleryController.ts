/**
 * The gallery page's host side: answers its messages (validated first), applies relabel edits
 * through the run's labels store (ImagePage), makes thumbnails, and refuses any file the run does
 * not list or that lies outside the workspace.
 */
import { galleryToHost, type GalleryFilter, type GalleryState, type GalleryToHost, type RunChoice } from '../../protocol/webview.js';
import { materialize } from '../workspace/labelsExport.js';
import { galleryState } from './galleryModel.js';
import type { RunSession } from './galleryRuns.js';
import { ImagePage } from './imagePage.js';

export class GalleryController extends ImagePage {
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
      error: error ?? (runs.length === 0 ? 'No runs yet: train one (ClusterLab: Train) and its clusters show here.' : undefined),
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
        return this.requestThumbs(msg.paths);
      case 'open':
        return this.openImage(msg.path);
      case 'reveal':
        return this.ui.revealFile(this.fileOf(msg.path));
      case 'copyPath':
        return this.ui.copyText(this.fileOf(msg.path));
      case 'openPanel':
        if (this.session) await this.ui.showGallery(this.session.dir);
        return;
      case 'selection':
        return this.select(msg.paths);
      case 'export':
        return this.exportTo(msg.format);
      case 'materialize':
        return this.materialize();
      default:
        return this.editLabels(msg);
    }
  }

  private async materialize(): Promise<void> {
    const m = this.requireSession().model();
    const target = await this.ui.pickFolder('Folder to fill with one sub-folder per cluster');
    if (!target) return;
    const mode = await this.ui.pickOne('Put the images into the cluster folders as', [
      { label: 'Copies', detail: 'independent files; the originals stay where they are', value: 'copy' },
      { label: 'Symbolic links', detail: 'no extra space; they point at the originals', value: 'symlink' },
    ]);
    if (!mode) return;
    const r = await materialize(m, target, mode);
    this.ui.info(`${r.written} images ${mode === 'copy' ? 'copied' : 'linked'} into ${target}${r.skipped ? ` (${r.skipped} skipped: already there or unreadable)` : ''}`);
  }
}
