/**
 * The gallery page's host side: answers its messages (validated first), applies relabel edits
 * through the run's labels store (ImagePage), makes thumbnails, and refuses any file the run does
 * not list or that lies outside the workspace.
 */
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import {
  galleryToHost,
  type GalleryFilter,
  type GalleryState,
  type GalleryToHost,
} from '../../protocol/galleryMessages.js';
import { type RunChoice } from '../../protocol/pageMessages.js';
import { materialize, refuseInsideDataset } from '../../common/runExport.js';
import { galleryState, noRunState } from './runModel.js';
import type { RunSession } from './runSessions.js';
import { ImagePage, type OwnMessage } from './imagePage.js';
import { count } from '../../common/plural.js';

export class GalleryController extends ImagePage<GalleryToHost, GalleryState | GalleryFilter> {
  protected readonly incoming = galleryToHost;

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
    }
  }

  /** "More like this" narrows this page. */
  protected showInGallery(filter: GalleryFilter): Promise<void> {
    this.postWhenReady(filter);
    return Promise.resolve();
  }

  /** Fills a folder per cluster with the run's images, or only `paths` (the selection); excluded images stay out. */
  private async materialize(paths?: string[]): Promise<void> {
    const { m, only, deleted } = await this.exportSelection(paths);
    const target = await this.materializeTarget(m.run.id, m.run.dataset.root);
    if (!target) return;
    await refuseInsideDataset(target, m.run.dataset.root);
    const mode = await this.ui.pickOne('Put the images into the cluster folders as', [
      { label: 'Copies', detail: 'independent files; the originals stay where they are', value: 'copy' },
      { label: 'Symbolic links', detail: 'no extra space; they point at the originals', value: 'symlink' },
    ]);
    if (!mode) return;
    const r = await materialize(m, target, mode, { only });
    const notes = [
      deleted,
      r.skipped ? `${r.skipped} skipped: already there or unreadable` : '',
      r.excluded ? `${r.excluded} excluded from the dataset left out` : '',
    ].filter(Boolean);
    this.ui.info(
      `${count(r.written, 'image')}${paths ? ' of the selection' : ''} ${mode === 'copy' ? 'copied' : 'linked'} into ${target}${notes.length ? ` (${notes.join('; ')})` : ''}`,
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
