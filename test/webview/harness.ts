/**
 * Runs a webview page in headless Chromium (Debian's, through playwright-core) against a stub
 * host: the page is the built bundle inside the same CSP shell VS Code gets, served from
 * 127.0.0.1, and its messages go to the real host-side controllers, with VS Code's services
 * replaced by a recorder. So a test drives the page as a user would and checks both what the page
 * shows and what the host did (labels.json, files opened).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { after, before } from 'node:test';
import { extname, join, resolve, sep } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { RunJson } from '../../src/protocol/run.js';
import type { GalleryFilter } from '../../src/protocol/galleryMessages.js';
import { check } from '../../src/protocol/schema.js';
import type { DuplicatesFn } from '../../src/extension/views/duplicatesController.js';
import type { LayoutFn } from '../../src/extension/views/mapController.js';
import { PAGES, PAGE_NAMES, type PageControllerOf, type PageName } from '../../src/extension/views/pages.js';
import { RunSessions, type RunEntry, type RunSource } from '../../src/extension/views/runSessions.js';
import type { HostUi, WebviewPort } from '../../src/extension/views/webviewPage.js';
import { pageHtml } from '../../src/extension/views/webviewHtml.js';
import type { AssignFn } from '../../src/extension/workspace/watcherDataset.js';
import { ThumbnailCache } from '../../src/extension/workspace/thumbnails.js';
import { makeFixtureRun, type FixtureRun } from './fixtureRun.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = 'test-output/screenshots';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.ttf': 'font/ttf',
  '.webp': 'image/webp',
  '.map': 'application/json',
};

/** Serves the bundles, the stylesheets and the thumbnail cache; anything else is a 404. */
export async function startServer(thumbDir: string): Promise<{ server: Server; origin: string }> {
  const roots: Record<string, string> = {
    dist: resolve('dist/webview'),
    media: resolve('media'),
    test: resolve('test/webview'),
    thumbs: resolve(thumbDir),
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const [, top, ...rest] = url.pathname.split('/');
    const root = roots[top ?? ''];
    const file = root ? resolve(join(root, ...rest.map(decodeURIComponent))) : '';
    if (!root || !file.startsWith(root + sep) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res
      .writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' })
      .end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** Runs in a folder: <runsDir>/<id>/run.json, as the extension's run store finds them. */
export function folderRunSource(runsDir: string): RunSource {
  return {
    listRuns: async (): Promise<RunEntry[]> =>
      readdirSync(runsDir)
        .map((id) => join(runsDir, id))
        .filter((dir) => existsSync(join(dir, 'run.json')))
        .map((dir) => ({ dir, run: JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunJson })),
    onDidChange: () => ({ dispose: () => undefined }),
  };
}

/** folderRunSource whose change event the test fires, as the run store does when runs appear, change or go. */
export function notifyingRunSource(runsDir: string): { source: RunSource; runsChanged(): void } {
  const listeners = new Set<() => void>();
  const folders = folderRunSource(runsDir);
  return {
    source: {
      listRuns: () => folders.listRuns(),
      onDidChange: (l) => (listeners.add(l), { dispose: () => listeners.delete(l) }),
    },
    runsChanged: () => listeners.forEach((l) => l()),
  };
}

/** What the page asked VS Code to do. */
export interface UiRecord {
  opened: string[];
  revealed: string[];
  copied: string[];
  errors: string[];
  galleries: { dir: string; filter?: GalleryFilter }[];
  log: string[];
}

export function recordingUi(
  workspace: string,
  answers: { saveAs?: string; folder?: string; pick?: string } = {},
): { ui: HostUi; record: UiRecord } {
  const record: UiRecord = { opened: [], revealed: [], copied: [], errors: [], galleries: [], log: [] };
  const root = resolve(workspace);
  const ui: HostUi = {
    isInWorkspace: (p) => resolve(p).startsWith(root + sep),
    openFile: async (p) => void record.opened.push(p),
    revealFile: async (p) => void record.revealed.push(p),
    copyText: async (t) => void record.copied.push(t),
    saveFile: async () => answers.saveAs,
    pickFolder: async () => answers.folder,
    pickOne: async <T extends string>(_: string, options: { value: T }[]) =>
      options.find((o) => o.value === answers.pick)?.value,
    info: () => undefined,
    error: (m) => void record.errors.push(m),
    showGallery: async (dir, filter) => void record.galleries.push(filter ? { dir, filter } : { dir }),
    log: (m) => void record.log.push(m),
  };
  return { ui, record };
}

export interface PageHarness {
  page: Page;
  /** Messages the page sent, in order. */
  sent: unknown[];
  /** Resolves once the host has handled every message so far and its answers are drawn. */
  idle(): Promise<void>;
  /** Runs `action` (a click, a key) and waits until the page's `type` message it causes is handled and answered. */
  act(type: string, action: () => Promise<unknown>): Promise<void>;
}

/**
 * Opens `name` in a fresh page, wiring its acquireVsCodeApi() to `handle` (the controller) and
 * returning the port the controller posts through.
 */
export async function openPage(
  browser: Browser,
  origin: string,
  name: PageName,
  makeController: (port: WebviewPort<unknown>) => { handle(m: unknown): Promise<void> },
  viewport = { width: 1200, height: 800 },
  place: 'panel' | 'sidebar' = 'panel',
): Promise<PageHarness> {
  const page = await browser.newPage({ viewport });
  const sent: unknown[] = [];
  let queue: Promise<unknown> = Promise.resolve();
  const errors: string[] = [];
  page.on('console', (m) => {
    // CSP violations show up as console errors: a page that needs an unsafe policy fails its test.
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  const port: WebviewPort<unknown> = {
    post: (m) => {
      // What the host posts must pass the page's schema (the page would drop it): a host bug fails the test here.
      try {
        check<unknown>(PAGES[name].toPage, m);
      } catch (e) {
        errors.push(`the host posted a message the ${name} page refuses: ${(e as Error).message}`);
      }
      const json = JSON.stringify(m);
      // Dispatched synchronously, as a MessageEvent like VS Code's: once evaluate returns, the page has drawn it.
      queue = queue
        .then(() =>
          page.evaluate(
            (text) => void window.dispatchEvent(new MessageEvent('message', { data: JSON.parse(text) })),
            json,
          ),
        )
        .catch(() => undefined);
    },
    asUri: (p) => `${origin}/thumbs/${resolve(p).split(sep).slice(-2).map(encodeURIComponent).join('/')}`,
  };
  const controller = makeController(port);
  let pending = Promise.resolve();
  const waiters: { type: string; done: () => void }[] = [];
  await page.exposeFunction('__toHost', (json: string) => {
    const m = JSON.parse(json) as { type?: unknown };
    sent.push(m);
    pending = pending.then(async () => {
      await controller.handle(m);
      const i = waiters.findIndex((w) => w.type === m.type);
      if (i >= 0) waiters.splice(i, 1)[0]!.done();
    });
  });
  // A string, not a function: the test's TypeScript transform would add helpers the page lacks.
  // The state is kept on window.__vscodeState, where a test can read it.
  await page.addInitScript(`
    window.acquireVsCodeApi = () => ({
      postMessage: (m) => window.__toHost(JSON.stringify(m)),
      getState: () => window.__vscodeState,
      setState: (s) => { window.__vscodeState = s; },
    });`);
  const html = pageHtml({
    page: name,
    title: name,
    cspSource: origin,
    nonce: randomBytes(16).toString('base64'),
    scriptUri: `${origin}/dist/${name}.js`,
    styleUris: [`${origin}/test/theme.css`, `${origin}/media/webview.css`, `${origin}/media/${name}.css`],
    codiconsUri: `${origin}/dist/codicons/codicon.css`,
    place,
  });
  await page.route(`${origin}/page`, (route) => route.fulfill({ contentType: 'text/html', body: html }));
  await page.goto(`${origin}/page`);
  (page as Page & { __errors?: string[] }).__errors = errors;
  const idle = async () => {
    await pending;
    await queue;
  };
  return {
    page,
    sent,
    idle,
    act: async (type, action) => {
      const handled = new Promise<void>((done) => waiters.push({ type, done }));
      await action();
      // A page that never sends the message fails the test in one line instead of hanging the lane.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        handled,
        new Promise<never>((_, fail) => {
          timer = setTimeout(() => fail(new Error(`the ${name} page sent no '${type}' within 30 s`)), 30_000);
        }),
      ]).finally(() => clearTimeout(timer));
      await idle();
    },
  };
}

export function pageErrors(page: Page): string[] {
  return (page as Page & { __errors?: string[] }).__errors ?? [];
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

type ControllerMakers = { [P in PageName]: (port: WebviewPort<unknown>) => PageControllerOf<P> };

/** Each page's controller over one set of sessions, made from its PAGES row as the extension makes it. */
export function makeHost(
  runsDir: string,
  thumbDir: string,
  ui: HostUi,
  assign?: AssignFn,
  layout?: LayoutFn,
  duplicates?: DuplicatesFn,
): { sessions: RunSessions } & ControllerMakers {
  const sessions = new RunSessions(folderRunSource(runsDir), {
    isInWorkspace: ui.isInWorkspace,
    log: ui.log,
    ...(assign ? { assign } : {}),
  });
  const thumbs = new ThumbnailCache(thumbDir);
  const host = {
    sessions,
    thumbs,
    ui,
    ...(layout ? { layout } : {}),
    ...(duplicates ? { duplicates } : {}),
    onEdited: () => undefined,
  };
  const makers = Object.fromEntries(
    PAGE_NAMES.map((name) => [
      name,
      (port: WebviewPort<unknown>) => PAGES[name].controller({ ...host, port }),
    ]),
  );
  return { sessions, ...(makers as ControllerMakers) };
}

export interface Suite {
  ws: string;
  fx: FixtureRun;
  thumbDir: string;
  origin: string;
  browser: Browser;
}

/** Inside a describe(): a fixture run, the server and Chromium before its tests, all removed after. */
export function browserSuite(name: string): Suite {
  const suite = {} as Suite;
  let server: Server | undefined;
  before(async () => {
    suite.ws = mkdtempSync(join(tmpdir(), `clusterlab-${name}-`));
    suite.fx = makeFixtureRun(suite.ws);
    suite.thumbDir = join(suite.ws, 'thumbs');
    ({ server, origin: suite.origin } = await startServer(suite.thumbDir));
    suite.browser = await launchChromium();
  });
  after(async () => {
    await suite.browser?.close();
    server?.close();
    rmSync(suite.ws, { recursive: true, force: true });
  });
  return suite;
}
