/**
 * The map page's host side: reads the run's layout (layout.json + layout.f32), asks the trainer
 * for one when the run has features but no layout yet, and answers the page's messages (validated
 * first) through ImagePage: thumbnails, opening an image, relabel edits, the shared selection.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FEATURES_FILE } from '../../common/features.js';
import { LAYOUT_FILE, readLayout, type LayoutMeta } from '../../common/layout.js';
import {
  mapToHost,
  type HostToMap,
  type LayoutProgress,
  type MapLayout,
  type MapState,
  type MapToHost,
} from '../../protocol/mapMessages.js';
import { type RunChoice } from '../../protocol/pageMessages.js';
import type { ThumbnailCache } from '../workspace/thumbnails.js';
import type { RunSession, RunSessions } from './runSessions.js';
import { noRunState, type RunModel } from './runModel.js';
import { ImagePage, type OwnMessage } from './imagePage.js';
import { mapLayoutOf, mapState } from './mapModel.js';
import type { HostUi, WebviewPort } from './webviewPage.js';

/** The trainer's layout request for a run folder, reporting its work-done progress. */
export type LayoutFn = (
  runDir: string,
  onProgress: (p: { percentage?: number; message?: string }) => void,
) => Promise<void>;

interface LoadedLayout {
  dir: string;
  /** layout.json's and features.json's modification times: a new file is read again. */
  stamp: string;
  read?: { meta: LayoutMeta; xy: Float32Array };
  /** The page's layout for one model of the run (edits and live images change the model). */
  placed?: { model: RunModel; layout: MapLayout };
  hasFeatures: boolean;
  error?: string;
}

/** Runs whose layout the trainer is computing, across every map page. */
const computing = new Set<string>();

export class MapController extends ImagePage<MapToHost, MapState | LayoutProgress> {
  protected readonly incoming = mapToHost;

  private loaded: LoadedLayout | undefined;

  constructor(
    sessions: RunSessions,
    port: WebviewPort<HostToMap>,
    ui: HostUi,
    thumbs: ThumbnailCache,
    /** Absent where no trainer may start (an untrusted workspace). */
    private readonly computeLayout?: LayoutFn,
    onEdited?: (dir: string) => void,
  ) {
    super(sessions, port, ui, thumbs, onEdited);
  }

  /** The layout is read from disk before the state is built. */
  refresh(): void {
    void this.loadLayout().then(
      () => super.refresh(),
      (e) => this.fail(e),
    );
  }

  protected render(session: RunSession | undefined, runs: RunChoice[], error?: string): MapState {
    const loaded = session && this.loaded?.dir === session.dir ? this.loaded : undefined;
    if (session && !error) {
      const m = session.model();
      if (loaded?.read && loaded.placed?.model !== m)
        loaded.placed = { model: m, layout: mapLayoutOf(m, session.rows, loaded.read.meta, loaded.read.xy) };
      const state = mapState(
        m,
        runs,
        session.canUndo,
        session.canRedo,
        loaded?.placed?.layout,
        (loaded?.hasFeatures ?? false) && this.computeLayout !== undefined,
      );
      const missing =
        loaded && !loaded.read
          ? !loaded.hasFeatures
            ? NO_FEATURES
            : !this.computeLayout
              ? NO_TRAINER
              : undefined
          : undefined;
      const why = session.error ?? loaded?.error ?? missing;
      return why ? { ...state, error: why } : state;
    }
    return { ...noRunState(runs, error, 'map shows'), type: 'map', canCompute: false };
  }

  private async loadLayout(): Promise<void> {
    const s = this.session;
    if (!s) return;
    const mtime = async (file: string) =>
      (await stat(join(s.dir, file)).catch(() => undefined))?.mtimeMs ?? 0;
    const [layoutTime, featuresTime] = await Promise.all([mtime(LAYOUT_FILE), mtime(FEATURES_FILE)]);
    const stamp = `${layoutTime}:${featuresTime}:${s.rows.length}`;
    if (this.loaded?.dir === s.dir && this.loaded.stamp === stamp) return;
    const next: LoadedLayout = { dir: s.dir, stamp, hasFeatures: featuresTime > 0 };
    try {
      const read = await readLayout(s.dir, s.rows.length);
      if (read) next.read = read;
    } catch (e) {
      next.error = (e as Error).message;
    }
    if (this.session === s) this.loaded = next;
  }

  protected async dispatch(msg: OwnMessage<MapToHost>): Promise<void> {
    switch (msg.type) {
      case 'exportSelection':
        return this.exportTo(msg.format, msg.paths);
      case 'showInGallery': {
        this.requireKnown(msg.paths);
        const n = msg.paths.length;
        return this.ui.showGallery(this.requireSession().dir, {
          type: 'filter',
          images: msg.paths,
          title: `${n.toLocaleString('en')} ${n === 1 ? 'image' : 'images'} from the map`,
        });
      }
      case 'computeLayout':
        return this.compute();
    }
  }

  /** Asks the trainer for the run's layout; the page shows its progress, then the map. */
  private async compute(): Promise<void> {
    const s = this.requireSession();
    if (!this.computeLayout)
      throw new Error('the map cannot be computed here: the trainer does not run in an untrusted workspace');
    if (computing.has(s.dir)) return;
    computing.add(s.dir);
    const progress = (message: string, done: boolean, percentage?: number) =>
      this.postWhenReady({
        type: 'layoutProgress',
        message,
        done,
        ...(percentage !== undefined ? { percentage } : {}),
      });
    try {
      progress('Computing the map from the run’s features…', false);
      await this.computeLayout(s.dir, (p) =>
        progress(p.message ?? 'Computing the map…', false, p.percentage),
      );
      progress('Map computed', true);
    } catch (e) {
      progress(`The map could not be computed: ${(e as Error).message}`, true);
      throw e;
    } finally {
      computing.delete(s.dir);
    }
    this.loaded = undefined;
    this.refresh();
  }
}

const NO_TRAINER =
  'This run has no map yet: the trainer computes it from the run’s features, and it does not run in an untrusted workspace.';
const NO_FEATURES =
  'This run saved no per-image features (it was trained before ClusterLab kept them), so it has no map: train it again to see one.';
