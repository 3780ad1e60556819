/**
 * The VS Code side of the pages (pages.ts lists them): each page as an editor panel, some also as
 * webview views in the ClusterLab side bar, their commands and their restore after a window reload;
 * each a strict-CSP webview whose messages go to its controller. Everything else (data, edits,
 * security checks) lives in the controllers, so this file only adapts VS Code's APIs to the HostUi
 * and WebviewPort interfaces.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { GalleryFilter } from '../../protocol/galleryMessages.js';
import { ThumbnailCache } from '../workspace/thumbnails.js';
import type { AssignFn } from '../workspace/watcherDataset.js';
import { runLabelOf } from '../methods.js';
import { commandRunDir, commandRunDirs } from './compareController.js';
import { GalleryController } from './galleryController.js';
import type { LayoutFn } from './mapController.js';
import { DuplicatesController, type DuplicatesFn } from './duplicatesController.js';
import { PAGES, PAGE_NAMES, type PageController, type PageName } from './pages.js';
import { RunSessions, type RunSource } from './runSessions.js';
import { pageHtml } from './webviewHtml.js';
import type { LiveSource } from './runsTree.js';
import { RunPage, type HostUi, type WebviewPort } from './webviewPage.js';

export interface ViewDeps {
  runs: RunSource;
  /** The trainer's assign request; without it, datasets are not watched for new images. */
  assign?: AssignFn;
  /** The trainer's layout request; without it, a run without a map only says so. */
  layout?: LayoutFn;
  /** The trainer's duplicates request; without it, the Duplicates page says so. */
  duplicates?: DuplicatesFn;
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

export function registerPages(context: vscode.ExtensionContext, deps: ViewDeps): ClusterLabViews {
  const thumbDir = join(context.globalStorageUri.fsPath, 'thumbnails');
  const isInWorkspace = (p: string) => vscode.workspace.getWorkspaceFolder(vscode.Uri.file(p)) !== undefined;
  const sessions = new RunSessions(deps.runs, {
    isInWorkspace,
    log: deps.log,
    ...(deps.assign ? { assign: deps.assign } : {}),
  });
  const thumbs = new ThumbnailCache(thumbDir);
  const edited = new vscode.EventEmitter<string>();
  // The one-run pages, which follow the Runs tree selection.
  const pages = new Set<Pick<RunPage<unknown>, 'showRun' | 'pageUnloaded'>>();
  const panels = new Map<PageName, { panel: vscode.WebviewPanel; controller: PageController }>();

  const ui: HostUi = {
    isInWorkspace,
    openFile: async (p) =>
      void (await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(p), {
        preview: true,
        viewColumn: vscode.ViewColumn.Active,
      })),
    revealFile: async (p) =>
      void (await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(p))),
    copyText: (t) => Promise.resolve(vscode.env.clipboard.writeText(t)),
    saveFile: async (name, format) => {
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
      const uri = await vscode.window.showSaveDialog({
        ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, name) } : {}),
        filters: { [format.toUpperCase()]: [format] },
      });
      return uri?.fsPath;
    },
    pickFolder: async (title) =>
      (
        await vscode.window.showOpenDialog({
          title,
          canSelectFiles: false,
          canSelectFolders: true,
          canSelectMany: false,
          openLabel: 'Use This Folder',
        })
      )?.[0]?.fsPath,
    pickOne: async (title, options) =>
      (await vscode.window.showQuickPick(options, { title, ignoreFocusOut: true }))?.value,
    info: (m) => void vscode.window.showInformationMessage(m),
    error: (m) => void vscode.window.showErrorMessage(m),
    showGallery: async (dir, filter) => void (await openPanel('gallery', dir, filter)),
    log: deps.log,
  };

  /** Fills a webview with `page` and connects it to a new controller. */
  function attach(
    webview: vscode.Webview,
    page: PageName,
    place: 'panel' | 'sidebar',
    onDispose: (l: () => void) => vscode.Disposable,
    onHidden: (l: () => void) => vscode.Disposable,
  ): PageController {
    const media = vscode.Uri.joinPath(context.extensionUri, 'media');
    const bundles = vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview');
    // Only our bundles, our stylesheets and the thumbnail cache: the page never loads a dataset file.
    webview.options = {
      enableScripts: true,
      localResourceRoots: [bundles, media, vscode.Uri.file(thumbDir)],
    };
    const uri = (base: vscode.Uri, ...parts: string[]) =>
      webview.asWebviewUri(vscode.Uri.joinPath(base, ...parts)).toString();
    webview.html = pageHtml({
      page,
      title: PAGES[page].title,
      cspSource: webview.cspSource,
      nonce: randomBytes(16).toString('base64'),
      scriptUri: uri(bundles, `${page}.js`),
      styleUris: [uri(media, 'webview.css'), uri(media, `${page}.css`)],
      codiconsUri: uri(bundles, 'codicons', 'codicon.css'),
      place,
    });
    const port: WebviewPort<unknown> = {
      post: (m) => void webview.postMessage(m),
      asUri: (p) => webview.asWebviewUri(vscode.Uri.file(p)).toString(),
    };
    const controller = PAGES[page].controller({
      sessions,
      port,
      ui,
      thumbs,
      ...(deps.layout ? { layout: deps.layout } : {}),
      ...(deps.duplicates ? { duplicates: deps.duplicates } : {}),
      onEdited: (dir) => edited.fire(dir),
    });
    if (controller instanceof RunPage) pages.add(controller);
    const sub = webview.onDidReceiveMessage((m: unknown) => void controller.handle(m));
    const hidden =
      PAGES[page].retained || !(controller instanceof RunPage)
        ? undefined
        : onHidden(() => controller.pageUnloaded());
    onDispose(() => {
      sub.dispose();
      hidden?.dispose();
      if (controller instanceof RunPage) pages.delete(controller);
      void controller.dispose();
    });
    return controller;
  }

  /** Shows the runs the command names (Compare Runs); with fewer than two, the user picks finished runs. */
  async function openRuns(page: PageName, args: unknown[]): Promise<void> {
    let dirs = commandRunDirs(args);
    if (dirs.length < 2) {
      const done = (await deps.runs.listRuns()).filter((e) => e.run.status === 'done');
      if (done.length < 2)
        return void vscode.window.showInformationMessage(
          'ClusterLab: comparing needs two or more finished runs.',
        );
      const items = done.map((e) => ({
        label: runLabelOf(e.run, e.name),
        description: e.run.id,
        detail: e.dir,
        picked: dirs.includes(e.dir),
        dir: e.dir,
      }));
      const picked = await vscode.window.showQuickPick(items, {
        title: PAGES[page].title,
        placeHolder: 'Choose two or more runs',
        canPickMany: true,
        matchOnDescription: true,
      });
      if (!picked || picked.length === 0) return;
      dirs = picked.map((p) => p.dir);
    }
    await (await openPanel(page)).controller.setRuns?.(dirs);
  }

  async function openPanel(
    page: PageName,
    dir?: string,
    filter?: GalleryFilter,
  ): Promise<{ panel: vscode.WebviewPanel; controller: PageController }> {
    let open = panels.get(page);
    if (open) open.panel.reveal(undefined, true);
    else {
      const column = page === 'gallery' && filter ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active;
      open = adopt(
        page,
        vscode.window.createWebviewPanel(`clusterlab.${page}`, PAGES[page].title, column, {
          retainContextWhenHidden: PAGES[page].retained,
        }),
      );
    }
    if (filter && dir && open.controller instanceof GalleryController)
      await open.controller.applyFilter(dir, filter);
    else if (dir) await open.controller.showRun?.(dir);
    return open;
  }

  /** Connects a panel (new, or restored after a window reload) to a new controller. */
  function adopt(
    page: PageName,
    panel: vscode.WebviewPanel,
  ): { panel: vscode.WebviewPanel; controller: PageController } {
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'clusterlab.svg');
    const controller = attach(
      panel.webview,
      page,
      'panel',
      (l) => panel.onDidDispose(l),
      (l) => panel.onDidChangeViewState(() => panel.visible || l()),
    );
    panel.onDidDispose(() => panels.get(page)?.panel === panel && panels.delete(page));
    const open = { panel, controller };
    panels.set(page, open);
    return open;
  }

  /**
   * The one-run tabs come back after a window reload, on the run they showed (the Duplicates tab
   * also on an image folder), which the page keeps in its webview state (webview/shared/host.ts),
   * or the default run when that one is gone.
   */
  const restorer = (page: PageName): vscode.WebviewPanelSerializer => ({
    deserializeWebviewPanel: (panel, state: unknown) => showSavedRun(adopt(page, panel).controller, state),
  });

  /** A page made anew for a webview that had shown a run goes back to that run while it exists. */
  async function showSavedRun(controller: PageController, state: unknown): Promise<void> {
    const dir = typeof state === 'object' && state !== null ? (state as { run?: unknown }).run : undefined;
    if (typeof dir !== 'string') return;
    if (controller.showRun && (await deps.runs.listRuns()).some((e) => e.dir === dir))
      await controller.showRun(dir);
    // The Duplicates page showed an image folder with no run: that folder again, while it is one.
    else if (
      controller instanceof DuplicatesController &&
      statSync(dir, { throwIfNoEntry: false })?.isDirectory() &&
      !existsSync(join(dir, 'run.json'))
    )
      await controller.showFolder(dir);
  }

  const sideBarView = (page: PageName) =>
    vscode.window.registerWebviewViewProvider(
      `clusterlab.${page}`,
      {
        // VS Code makes the view anew after a window reload: it goes back to the run the user
        // picked, not the newest one, which a sweep keeps changing.
        resolveWebviewView: (view, context) =>
          showSavedRun(
            attach(
              view.webview,
              page,
              'sidebar',
              (l) => view.onDidDispose(l),
              (l) => view.onDidChangeVisibility(() => view.visible || l()),
            ),
            context.state,
          ),
      },
      { webviewOptions: { retainContextWhenHidden: PAGES[page].retained } },
    );

  context.subscriptions.push(
    edited,
    ...PAGE_NAMES.filter((page) => PAGES[page].sideBar).map(sideBarView),
    ...PAGE_NAMES.map((page) =>
      vscode.commands.registerCommand(PAGES[page].command.id, async (...args: unknown[]) => {
        await (PAGES[page].command.opens === 'runs'
          ? openRuns(page, args)
          : openPanel(page, commandRunDir(args[0])));
      }),
    ),
    // A dataset folder with no run (an Explorer folder, or one picked): deduplicated before training.
    vscode.commands.registerCommand('clusterlab.findDuplicatesInFolder', async (folder?: unknown) => {
      const dir =
        folder instanceof vscode.Uri ? folder.fsPath : await ui.pickFolder('Find Duplicate Images in Folder');
      if (dir === undefined) return;
      const { controller } = await openPanel('duplicates');
      if (controller instanceof DuplicatesController) await controller.showFolder(dir);
    }),
    ...PAGE_NAMES.filter((page) => PAGES[page].restored).map((page) =>
      vscode.window.registerWebviewPanelSerializer(`clusterlab.${page}`, restorer(page)),
    ),
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
