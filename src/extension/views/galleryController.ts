/**
 * The gallery page's host side: answers its messages (validated first), applies relabel edits
 * through the run's labels store (ImagePage), makes thumbnails, and refuses any file the run does
 * not list or that lies outside the workspace.
 */
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import {
  galleryToHost,
  type BelongScores,
  type GalleryFilter,
  type GalleryState,
  type GalleryToHost,
} from '../../protocol/galleryMessages.js';
import { type RunChoice } from '../../protocol/pageMessages.js';
import { materialize } from '../../common/runExport.js';
import { belongScores } from './belongScores.js';
import { galleryState, noRunState, type RunModel } from './runModel.js';
import type { RunSession } from './runSessions.js';
import { ImagePage, type OwnMessage } from './imagePage.js';
import { count } from '../../common/plural.js';

export class GalleryController extends ImagePage<GalleryToHost, GalleryState | GalleryFilter | BelongScores> {
  protected readonly incoming = galleryToHost;
  /** The last scores computed, for the model (run and edits) they were computed on. */
  private belong: { model: RunModel; reply: Promise<BelongScores> } | undefined;

  protected render(session: RunSession | undefined, runs: RunChoice[], error?: string): GalleryState {
    if (session && !error) {
      const state = galleryState(session.model(), runs, session.canUndo, session.canRedo);
      const error = session.error ?? session.exclusionError;
      return error ? { ...state, error } : state;
    }
    return noRunState(runs, error, 'clusters show');
  }

  /** Narrows the page to a cluster (and class), after showing the run it belongs to. */
  async applyFilter(dir: string, filter: GalleryFilter): Promise<void> {
    await this.showRun(dir);
    this.postWhenReady(filter);
  }

  protected async dispatch(msg: OwnMessage<GalleryToHost>): Promise<void> {
    switch (msg.type) {
      case 'reveal':
        return this.ui.revealFile(this.fileOf(msg.path));
      case 'copyPath':
        return this.ui.copyText(this.fileOf(msg.path));
      case 'openPanel':
        if (this.session) await this.ui.showGallery(this.session.dir);
        return;
      case 'export':
        return this.exportTo(msg.format, msg.paths);
      case 'materialize':
        return this.materialize(msg.paths);
      case 'belong':
        return this.sendBelong();
    }
  }

  /** The scores for the run as shown now; computed again only after an edit (the clusters' centres moved). */
  private async sendBelong(): Promise<void> {
    const s = this.requireSession();
    const model = s.model();
    if (this.belong?.model !== model) this.belong = { model, reply: belongScores(model, s.rows) };
    const reply = await this.belong.reply;
    // A newer edit or another run while it computed: the page asks again with its next state.
    if (this.session?.model() === model) this.port.post(reply);
  }

  /** Fills a folder per cluster with the run's images, or only `paths` (the selection); excluded images stay out. */
  private async materialize(paths?: string[]): Promise<void> {
    const m = this.exportableModel();
    if (paths) this.requireKnown(paths);
    const only = paths && paths.map((p) => m.index.get(p)!);
    const target = await this.materializeTarget(m.run.id, m.run.dataset.root);
    if (!target) return;
    const mode = await this.ui.pickOne('Put the images into the cluster folders as', [
      { label: 'Copies', detail: 'independent files; the originals stay where they are', value: 'copy' },
      { label: 'Symbolic links', detail: 'no extra space; they point at the originals', value: 'symlink' },
    ]);
    if (!mode) return;
    const r = await materialize(m, target, mode, only ? { only } : {});
    const notes = [
      r.skipped ? `${r.skipped} skipped: already there or unreadable` : '',
      r.excluded ? `${r.excluded} excluded from the dataset left out` : '',
    ].filter(Boolean);
    this.ui.info(
      `${count(r.written, 'image')}${only ? ' of the selection' : ''} ${mode === 'copy' ? 'copied' : 'linked'} into ${target}${notes.length ? ` (${notes.join('; ')})` : ''}`,
    );
  }

  /**
   * Where the cluster folders go: by default a new folder sorted/<run> beside the dataset, made for
   * the user (the browser's folder picker cannot create one); or a folder they pick.
   */
  private async materializeTarget(runId: string, datasetRoot: string): Promise<string | undefined> {
    let fresh = join(dirname(resolve(datasetRoot)), 'sorted', runId);
    for (let i = 2; existsSync(fresh); i++)
      fresh = join(dirname(resolve(datasetRoot)), 'sorted', `${runId}-${i}`);
    const where = await this.ui.pickOne('Put one folder per cluster into', [
      {
        label: `New folder ${relative(dirname(resolve(datasetRoot)), fresh)
          .split(sep)
          .join('/')}`,
        detail: fresh,
        value: 'default',
      },
      { label: 'Choose a folder…', detail: 'an existing folder', value: 'pick' },
    ]);
    if (where === 'default') return fresh;
    return where === 'pick'
      ? this.ui.pickFolder('Folder to fill with one sub-folder per cluster')
      : undefined;
  }
}
