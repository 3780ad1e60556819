/**
 * The VS Code side of the three pages: the gallery as a webview view in the ClusterLab side bar
 * and as editor panels (gallery, confusion, charts), each a strict-CSP webview whose messages go
 * to its controller. Everything else (data, edits, security checks) lives in the controllers, so
 * this file only adapts VS Code's APIs to the HostUi and WebviewPort interfaces.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { GalleryFilter } from '../../protocol/webview.js';
import { ThumbnailCache } from '../workspace/thumbnails.js';
import type { AssignFn } from '../workspace/watcherDataset.js';
import { ChartsController } from './chartsController.js';
import { ConfusionController } from './confusionController.js';
import { GalleryController } from './galleryController.js';
import { RunSessions, type RunSource } from './galleryRuns.js';
import { pageHtml, type PageName } from './webviewHtml.js';
import type { LiveSource } from './runsTree.js';
import type { HostUi, RunPage, WebviewPort } from './webviewPage.js';

export interface ViewDeps {
  runs: RunSource;
  /** The trainer's assign request; without it, datasets are not watched for new images. */
  assign?: AssignFn;
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

const TITLES: Record<PageName, string> = { gallery: 'Cluster Gallery', confusion: 'Super-class Confusion', charts: 'Training Charts' };
/** Pages kept alive while hidden; the gallery (thousands of thumbnails) unloads and reloads. */
const RETAINED: Record<PageName, boolean> = { gallery: false, confusion: true, charts: true };

type Controller = RunPage & { handle(message: unknown): Promise<void> };

export function registerViews(context: vscode.ExtensionContext, deps: ViewDeps): ClusterLabViews {
  const thumbDir = join(context.globalStorageUri.fsPath, 'thumbnails');
  const isInWorkspace = (p: string) => vscode.workspace.getWorkspaceFolder(vscode.Uri.file(p)) !== undefined;
  const sessions = new RunSessions(deps.runs, { isInWorkspace, log: deps.log, ...(deps.assign ? { assign: deps.assign } : {}) });
  const thumbs = new ThumbnailCache(thumbDir);
  const edited = new vscode.EventEmitter<string>();
  const pages = new Set<Controller>();
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
  function attach(webview: vscode.Webview, page: PageName, onDispose: (l: () => void) => vscode.Disposable, onHidden: (l: () => void) => vscode.Disposable): Controller {
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
    });
    const port: WebviewPort = {
      post: (m) => void webview.postMessage(m),
      asUri: (p) => webview.asWebviewUri(vscode.Uri.file(p)).toString(),
    };
    const controller: Controller =
      page === 'gallery' ? new GalleryController(sessions, port, ui, thumbs, (dir) => edited.fire(dir)) : page === 'confusion' ? new ConfusionController(sessions, port, ui) : new ChartsController(sessions, port, ui);
    pages.add(controller);
    const sub = webview.onDidReceiveMessage((m: unknown) => void controller.handle(m));
    const hidden = RETAINED[page] ? undefined : onHidden(() => controller.pageUnloaded());
    onDispose(() => {
      sub.dispose();
      hidden?.dispose();
      pages.delete(controller);
      void controller.dispose();
    });
    return controller;
  }

  async function openPanel(page: PageName, dir?: string, filter?: GalleryFilter): Promise<void> {
    let open = panels.get(page);
    if (open) open.panel.reveal(undefined, true);
    else {
      const column = page === 'gallery' && filter ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active;
      const panel = vscode.window.createWebviewPanel(`clusterlab.${page}`, TITLES[page], column, { retainContextWhenHidden: RETAINED[page] });
      panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'clusterlab.svg');
      const controller = attach(panel.webview, page, (l) => panel.onDidDispose(l), (l) => panel.onDidChangeViewState(() => panel.visible || l()));
      panel.onDidDispose(() => panels.delete(page));
      panels.set(page, (open = { panel, controller }));
    }
    if (filter && dir && open.controller instanceof GalleryController) await open.controller.applyFilter(dir, filter);
    else if (dir) await open.controller.showRun(dir);
  }

  /** A command argument may be a run folder, a Runs tree item carrying one, or nothing. */
  const dirOf = (arg: unknown): string | undefined =>
    typeof arg === 'string' ? arg : typeof arg === 'object' && arg !== null && typeof (arg as { dir?: unknown }).dir === 'string' ? (arg as { dir: string }).dir : undefined;

  context.subscriptions.push(
    edited,
    vscode.window.registerWebviewViewProvider(
      'clusterlab.gallery',
      { resolveWebviewView: (view) => void attach(view.webview, 'gallery', (l) => view.onDidDispose(l), (l) => view.onDidChangeVisibility(() => view.visible || l())) },
      { webviewOptions: { retainContextWhenHidden: RETAINED.gallery } },
    ),
    vscode.commands.registerCommand('clusterlab.openGallery', (arg?: unknown) => openPanel('gallery', dirOf(arg))),
    vscode.commands.registerCommand('clusterlab.openConfusion', (arg?: unknown) => openPanel('confusion', dirOf(arg))),
    vscode.commands.registerCommand('clusterlab.openCharts', (arg?: unknown) => openPanel('charts', dirOf(arg))),
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
