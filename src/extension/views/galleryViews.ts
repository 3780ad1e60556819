/**
 * The VS Code side of the pages: the gallery and the map as webview views in the ClusterLab side
 * bar and as editor panels (gallery, confusion, charts, compare runs, map), each a strict-CSP webview whose messages go
 * to its controller. Everything else (data, edits, security checks) lives in the controllers, so
 * this file only adapts VS Code's APIs to the HostUi and WebviewPort interfaces.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { GalleryFilter } from '../../protocol/webview.js';
import { ThumbnailCache } from '../workspace/thumbnails.js';
import type { AssignFn } from '../workspace/watcherDataset.js';
import { runLabelOf } from '../methods.js';
import { ChartsController } from './chartsController.js';
import { CompareController, commandRunDirs } from './compareController.js';
import { ConfusionController } from './confusionController.js';
import { GalleryController } from './galleryController.js';
import { RunSessions, type RunSource } from './galleryRuns.js';
import { MapController, type LayoutFn } from './mapController.js';
import { pageHtml, type PageName } from './webviewHtml.js';
import type { LiveSource } from './runsTree.js';
import { RunPage, type HostUi, type WebviewPort } from './webviewPage.js';

export interface ViewDeps {
  runs: RunSource;
  /** The trainer's assign request; without it, datasets are not watched for new images. */
  assign?: AssignFn;
  /** The trainer's layout request; without it, a run without a map only says so. */
  layout?: LayoutFn;
  log(message: string): void;
}

export interface ClusterLabViews {
  /** Shows `dir` in every open page (e.g. when the Runs tree selection changes). */
  showRun(dir: string): void;
  /** Fires after the user renamed, moved or merged in a run (the Runs tree shows the names). */
  onDidEditLabels: vscode.Event<string>;
  /** Open runs' live assignments, so the Runs tree counts what the gallery shows. */
  live: LiveSource;
}

const TITLES: Record<PageName, string> = { gallery: 'Cluster Gallery', confusion: 'Super-class Confusion', charts: 'Training Charts', compare: 'Compare Runs', map: 'Embedding Map' };
/**
 * Pages kept alive while hidden; the gallery (thousands of thumbnails) unloads and reloads. The
 * map keeps its zoom and lasso: its points are one GPU buffer, not a page of images.
 */
const RETAINED: Record<PageName, boolean> = { gallery: false, confusion: true, charts: true, compare: true, map: true };

/** The tabs restored after a window reload (package.json activates on their onWebviewPanel events). */
export const RESTORED: readonly PageName[] = ['gallery', 'map', 'charts', 'confusion'];

type Controller = (RunPage | CompareController) & { handle(message: unknown): Promise<void> };

export function registerViews(context: vscode.ExtensionContext, deps: ViewDeps): ClusterLabViews {
  const thumbDir = join(context.globalStorageUri.fsPath, 'thumbnails');
  const isInWorkspace = (p: string) => vscode.workspace.getWorkspaceFolder(vscode.Uri.file(p)) !== undefined;
  const sessions = new RunSessions(deps.runs, { isInWorkspace, log: deps.log, ...(deps.assign ? { assign: deps.assign } : {}) });
  const thumbs = new ThumbnailCache(thumbDir);
  const edited = new vscode.EventEmitter<string>();
  // The one-run pages, which follow the Runs tree selection.
  const pages = new Set<RunPage>();
  const panels = new Map<PageName, { panel: vscode.WebviewPanel; controller: Controller }>();

  const ui: HostUi = {
    isInWorkspace,
    openFile: async (p) => void (await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(p), { preview: true, viewColumn: vscode.ViewColumn.Active })),
    revealFile: async (p) => void (await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(p))),
    copyText: (t) => Promise.resolve(vscode.env.clipboard.writeText(t)),
    saveFile: async (name, format) => {
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
      const uri = await vscode.window.showSaveDialog({ ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, name) } : {}), filters: { [format.toUpperCase()]: [format] } });
      return uri?.fsPath;
    },
    pickFolder: async (title) => (await vscode.window.showOpenDialog({ title, canSelectFiles: false, canSelectFolders: true, canSelectMany: false, openLabel: 'Use This Folder' }))?.[0]?.fsPath,
    pickOne: async (title, options) => (await vscode.window.showQuickPick(options, { title, ignoreFocusOut: true }))?.value,
    info: (m) => void vscode.window.showInformationMessage(m),
    error: (m) => void vscode.window.showErrorMessage(m),
    showGallery: (dir, filter) => openPanel('gallery', dir, filter),
    log: deps.log,
  };

  /** Fills a webview with `page` and connects it to a new controller. */
  function attach(webview: vscode.Webview, page: PageName, place: 'panel' | 'sidebar', onDispose: (l: () => void) => vscode.Disposable, onHidden: (l: () => void) => vscode.Disposable): Controller {
    const media = vscode.Uri.joinPath(context.extensionUri, 'media');
    const bundles = vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview');
    // Only our bundles, our stylesheets and the thumbnail cache: the page never loads a dataset file.
    webview.options = { enableScripts: true, localResourceRoots: [bundles, media, vscode.Uri.file(thumbDir)] };
    const uri = (base: vscode.Uri, ...parts: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(base, ...parts)).toString();
    webview.html = pageHtml({
      page,
      title: TITLES[page],
      cspSource: webview.cspSource,
      nonce: randomBytes(16).toString('base64'),
      scriptUri: uri(bundles, `${page}.js`),
      styleUris: [uri(media, 'webview.css'), uri(media, `${page}.css`)],
      codiconsUri: uri(bundles, 'codicons', 'codicon.css'),
      place,
    });
    const port: WebviewPort = {
      post: (m) => void webview.postMessage(m),
      asUri: (p) => webview.asWebviewUri(vscode.Uri.file(p)).toString(),
    };
    const controller = makeController(page, port);
    if (controller instanceof RunPage) pages.add(controller);
    const sub = webview.onDidReceiveMessage((m: unknown) => void controller.handle(m));
    const hidden = RETAINED[page] || !(controller instanceof RunPage) ? undefined : onHidden(() => controller.pageUnloaded());
    onDispose(() => {
      sub.dispose();
      hidden?.dispose();
      if (controller instanceof RunPage) pages.delete(controller);
      void controller.dispose();
    });
    return controller;
  }

  function makeController(page: PageName, port: WebviewPort): Controller {
    const onEdited = (dir: string) => edited.fire(dir);
    switch (page) {
      case 'gallery':
        return new GalleryController(sessions, port, ui, thumbs, onEdited);
      case 'confusion':
        return new ConfusionController(sessions, port, ui);
      case 'charts':
        return new ChartsController(sessions, port, ui);
      case 'compare':
        return new CompareController(sessions, port, ui, thumbs, onEdited);
      case 'map':
        return new MapController(sessions, port, ui, thumbs, deps.layout, onEdited);
    }
  }

  /** Compares the runs the command names; with fewer than two, the user picks finished runs. */
  async function compareRuns(args: unknown[]): Promise<void> {
    let dirs = commandRunDirs(args);
    if (dirs.length < 2) {
      const done = (await deps.runs.listRuns()).filter((e) => e.run.status === 'done');
      if (done.length < 2) return void vscode.window.showInformationMessage('ClusterLab: comparing needs two or more finished runs.');
      const items = done.map((e) => ({ label: runLabelOf(e.run, e.name), description: e.run.id, detail: e.dir, picked: dirs.includes(e.dir), dir: e.dir }));
      const picked = await vscode.window.showQuickPick(items, { title: 'Compare Runs', placeHolder: 'Choose two or more runs', canPickMany: true, matchOnDescription: true });
      if (!picked || picked.length === 0) return;
      dirs = picked.map((p) => p.dir);
    }
    await openPanel('compare');
    const open = panels.get('compare');
    if (open?.controller instanceof CompareController) await open.controller.setRuns(dirs);
  }

  async function openPanel(page: PageName, dir?: string, filter?: GalleryFilter): Promise<void> {
    let open = panels.get(page);
    if (open) open.panel.reveal(undefined, true);
    else {
      const column = page === 'gallery' && filter ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active;
      open = adopt(page, vscode.window.createWebviewPanel(`clusterlab.${page}`, TITLES[page], column, { retainContextWhenHidden: RETAINED[page] }));
    }
    if (filter && dir && open.controller instanceof GalleryController) await open.controller.applyFilter(dir, filter);
    else if (dir && open.controller instanceof RunPage) await open.controller.showRun(dir);
  }

  /** Connects a panel (new, or restored after a window reload) to a new controller. */
  function adopt(page: PageName, panel: vscode.WebviewPanel): { panel: vscode.WebviewPanel; controller: Controller } {
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'clusterlab.svg');
    const controller = attach(panel.webview, page, 'panel', (l) => panel.onDidDispose(l), (l) => panel.onDidChangeViewState(() => panel.visible || l()));
    panel.onDidDispose(() => panels.get(page)?.panel === panel && panels.delete(page));
    const open = { panel, controller };
    panels.set(page, open);
    return open;
  }

  /**
   * The one-run tabs come back after a window reload, on the run they showed (which the page keeps
   * in its webview state, webview/shared/host.ts), or the default run when that one is gone.
   */
  const restorer = (page: PageName): vscode.WebviewPanelSerializer => ({
    deserializeWebviewPanel: (panel, state: unknown) => showSavedRun(adopt(page, panel).controller, state),
  });

  /** A page made anew for a webview that had shown a run goes back to that run while it exists. */
  async function showSavedRun(controller: Controller, state: unknown): Promise<void> {
    const dir = typeof state === 'object' && state !== null ? (state as { run?: unknown }).run : undefined;
    if (typeof dir === 'string' && controller instanceof RunPage && (await deps.runs.listRuns()).some((e) => e.dir === dir)) await controller.showRun(dir);
  }

  /** A command argument may be a run folder, a Runs tree item carrying one, or nothing. */
  const dirOf = (arg: unknown): string | undefined =>
    typeof arg === 'string' ? arg : typeof arg === 'object' && arg !== null && typeof (arg as { dir?: unknown }).dir === 'string' ? (arg as { dir: string }).dir : undefined;

  const sideBarView = (page: 'gallery' | 'map') =>
    vscode.window.registerWebviewViewProvider(
      `clusterlab.${page}`,
      {
        // VS Code makes the view anew after a window reload: it goes back to the run the user
        // picked, not the newest one, which a sweep keeps changing.
        resolveWebviewView: (view, context) =>
          showSavedRun(attach(view.webview, page, 'sidebar', (l) => view.onDidDispose(l), (l) => view.onDidChangeVisibility(() => view.visible || l())), context.state),
      },
      { webviewOptions: { retainContextWhenHidden: RETAINED[page] } },
    );

  context.subscriptions.push(
    edited,
    sideBarView('gallery'),
    sideBarView('map'),
    vscode.commands.registerCommand('clusterlab.openGallery', (arg?: unknown) => openPanel('gallery', dirOf(arg))),
    vscode.commands.registerCommand('clusterlab.openConfusion', (arg?: unknown) => openPanel('confusion', dirOf(arg))),
    vscode.commands.registerCommand('clusterlab.openCharts', (arg?: unknown) => openPanel('charts', dirOf(arg))),
    vscode.commands.registerCommand('clusterlab.compareRuns', (...args: unknown[]) => compareRuns(args)),
    vscode.commands.registerCommand('clusterlab.openMap', (arg?: unknown) => openPanel('map', dirOf(arg))),
    ...RESTORED.map((page) => vscode.window.registerWebviewPanelSerializer(`clusterlab.${page}`, restorer(page))),
    { dispose: () => void sessions.dispose() },
  );

  return {
    showRun: (dir) => {
      for (const p of pages) void p.showRun(dir);
    },
    onDidEditLabels: edited.event,
    live: { of: (dir) => sessions.liveOf(dir), onDidChange: (l) => sessions.onDidChangeRun(l) },
  };
}
