/**
 * Every webview page, one row each. registerPages.ts (VS Code's panels, side-bar views, commands and
 * restore after a reload), scripts/build.mjs (one browser bundle per page) and the webview test
 * harness all read this table, so a new page is its own files plus a row here (docs/ARCHITECTURE.md:
 * Adding a page). Plain Node: no `vscode`, so the build and the tests load it.
 */
import type { Schema } from '../../protocol/schema.js';
import { hostToCharts } from '../../protocol/chartsMessages.js';
import { hostToCompare } from '../../protocol/compareMessages.js';
import { hostToConfusion } from '../../protocol/confusionMessages.js';
import { hostToDuplicates } from '../../protocol/duplicatesMessages.js';
import { hostToGallery } from '../../protocol/galleryMessages.js';
import { hostToMap } from '../../protocol/mapMessages.js';
import type { ThumbnailCache } from '../workspace/thumbnails.js';
import { ChartsController } from './chartsController.js';
import { CompareController } from './compareController.js';
import { ConfusionController } from './confusionController.js';
import { DuplicatesController, type DuplicatesFn } from './duplicatesController.js';
import { GalleryController } from './galleryController.js';
import { MapController, type LayoutFn } from './mapController.js';
import type { RunSessions } from './runSessions.js';
import type { HostUi, WebviewPort } from './webviewPage.js';

/** What a page's controller is built from: the shared parts, and the port to its own webview. */
export interface PageHost<Out> {
  sessions: RunSessions;
  port: WebviewPort<Out>;
  ui: HostUi;
  thumbs: ThumbnailCache;
  /** The trainer's layout request; absent where no trainer may start. */
  layout?: LayoutFn;
  /** The trainer's duplicates request; absent where no trainer may start. */
  duplicates?: DuplicatesFn;
  /** Told after the user edited a run's labels (the Runs tree shows cluster names). */
  onEdited(dir: string): void;
}

/** The host side of one open page: every message from the webview goes to `handle`. */
export interface PageController {
  handle(message: unknown): Promise<void>;
  dispose(): Promise<void>;
  /** A one-run page: shows `dir`, or its default run. */
  showRun?(dir?: string): Promise<void>;
  /** A page of several runs (`opens: 'runs'`): shows these. */
  setRuns?(dirs: string[]): Promise<void>;
}

export interface PageRow<ToPage, C extends PageController> {
  /** The tab's and the view's title. */
  title: string;
  /** Kept alive while hidden (retainContextWhenHidden); a page that is not reloads when shown again. */
  retained: boolean;
  /** The tab comes back after a window reload (package.json activates on `onWebviewPanel:clusterlab.<name>`). */
  restored: boolean;
  /** Also a webview view in the ClusterLab side bar (package.json's `views`, id `clusterlab.<name>`). */
  sideBar: boolean;
  /**
   * The command that opens the tab (package.json's `commands`) and what its arguments name: one run
   * (a Runs tree item or a folder), or the runs to compare (fewer than two: the user picks).
   */
  command: { id: string; opens: 'run' | 'runs' };
  /** The page's script, bundled to dist/webview/<name>.js; its stylesheet is media/<name>.css. */
  entry: string;
  /** What the host may post to the page (src/protocol/<page>Messages.ts); the page checks it on arrival. */
  toPage: Schema<ToPage>;
  /** Checks what the page sends (a webview is untrusted content) and answers it. */
  controller(host: PageHost<ToPage>): C;
}

/** Ties a row's controller to its message types (the compiler checks what it posts). */
const page = <ToPage, C extends PageController>(row: PageRow<ToPage, C>) => row;

export const PAGES = {
  gallery: page({
    title: 'Cluster Gallery',
    // Thousands of thumbnails: the page unloads while hidden and is drawn again from the host.
    retained: false,
    restored: true,
    sideBar: true,
    command: { id: 'clusterlab.openGallery', opens: 'run' },
    entry: 'webview/gallery/main.ts',
    toPage: hostToGallery,
    controller: (h) => new GalleryController(h.sessions, h.port, h.ui, h.thumbs, h.onEdited),
  }),
  confusion: page({
    title: 'Super-class Confusion',
    // One heatmap: cheap to keep alive, and it keeps its scroll position.
    retained: true,
    restored: true,
    sideBar: false,
    command: { id: 'clusterlab.openConfusion', opens: 'run' },
    entry: 'webview/confusion/main.ts',
    toPage: hostToConfusion,
    controller: (h) => new ConfusionController(h.sessions, h.port, h.ui),
  }),
  charts: page({
    title: 'Training Charts',
    // A few SVG charts: cheap to keep alive.
    retained: true,
    restored: true,
    sideBar: false,
    command: { id: 'clusterlab.openCharts', opens: 'run' },
    entry: 'webview/charts/main.ts',
    toPage: hostToCharts,
    controller: (h) => new ChartsController(h.sessions, h.port, h.ui),
  }),
  compare: page({
    title: 'Compare Runs',
    retained: true,
    // Its runs are chosen by a command, not kept in the webview's state.
    restored: false,
    sideBar: false,
    command: { id: 'clusterlab.compareRuns', opens: 'runs' },
    entry: 'webview/compare/main.ts',
    toPage: hostToCompare,
    controller: (h) => new CompareController(h.sessions, h.port, h.ui, h.thumbs, h.onEdited),
  }),
  map: page({
    title: 'Embedding Map',
    // Its points are one GPU buffer, not a page of images: kept, with its zoom and lasso.
    retained: true,
    restored: true,
    sideBar: true,
    command: { id: 'clusterlab.openMap', opens: 'run' },
    entry: 'webview/map/main.ts',
    toPage: hostToMap,
    controller: (h) => new MapController(h.sessions, h.port, h.ui, h.thumbs, h.layout, h.onEdited),
  }),
  duplicates: page({
    title: 'Duplicates',
    // A few dozen groups of thumbnails: kept, with the user's choices of what to keep.
    retained: true,
    restored: true,
    sideBar: false,
    command: { id: 'clusterlab.openDuplicates', opens: 'run' },
    entry: 'webview/duplicates/main.ts',
    toPage: hostToDuplicates,
    controller: (h) => new DuplicatesController(h.sessions, h.port, h.ui, h.thumbs, h.duplicates),
  }),
};

export type PageName = keyof typeof PAGES;
export type PageControllerOf<P extends PageName> = ReturnType<(typeof PAGES)[P]['controller']>;
export const PAGE_NAMES = Object.keys(PAGES) as PageName[];
