/**
 * What the pages' controllers share: the run picker, holding a run session while the page
 * shows it, redrawing when the run or the list of runs changes, and the narrow interfaces to the
 * webview (WebviewPort) and to VS Code (HostUi) that keep the controllers testable without it.
 */
import { SchemaError, check, type Schema } from '../../protocol/schema.js';
import type { GalleryFilter } from '../../protocol/galleryMessages.js';
import type { RunChoice } from '../../protocol/pageMessages.js';
import type { Disposable, RunSession, RunSessions } from './runSessions.js';

/** The line to one webview; `Out` is the page's host->page message type (its `toPage` schema's). */
export interface WebviewPort<Out> {
  post: (message: Out) => void;
  /** The URL under which the webview may load a file inside its resource roots. */
  asUri(path: string): string;
}

/** The VS Code services a page uses; the tests answer them with a recorder. */
export interface HostUi {
  isInWorkspace(path: string): boolean;
  openFile(path: string): Promise<void>;
  revealFile(path: string): Promise<void>;
  copyText(text: string): Promise<void>;
  saveFile(defaultName: string, format: 'csv' | 'json'): Promise<string | undefined>;
  pickFolder(title: string): Promise<string | undefined>;
  pickOne<T extends string>(
    title: string,
    options: { label: string; detail?: string; value: T }[],
  ): Promise<T | undefined>;
  info(message: string): void;
  error(message: string): void;
  /** Shows the gallery of `dir`, narrowed by `filter` when given (a heatmap click, a map selection). */
  showGallery(dir: string, filter?: GalleryFilter): Promise<void>;
  log(message: string): void;
}

/** A webview is untrusted content: anything not in the protocol is logged (naming the page) and dropped. */
export function acceptMessage<T>(schema: Schema<T>, raw: unknown, ui: HostUi, page: string): T | undefined {
  try {
    return check(schema, raw);
  } catch (e) {
    if (!(e instanceof SchemaError)) throw e;
    ui.log(`${page}: refused a malformed message (${e.message})`);
    return undefined;
  }
}

export abstract class RunPage<Out> {
  protected session: RunSession | undefined;
  private sessionSub: Disposable[] = [];
  private readonly listSub: Disposable;
  private switching: Promise<void> = Promise.resolve();
  private disposed = false;
  /** The page's script has loaded and listens: from now on, state is posted. */
  private pageReady = false;
  /** Messages for a page that is not listening yet, posted after its first state. */
  private held: Out[] = [];

  constructor(
    protected readonly sessions: RunSessions,
    protected readonly port: WebviewPort<Out>,
    protected readonly ui: HostUi,
  ) {
    // showRun lists again and redraws; a page that showed no run takes the first that appears.
    this.listSub = sessions.source.onDidChange(() => void this.showRun());
    // Read the run while the page is still loading its script; it is drawn once the page says ready.
    void this.showRun();
  }

  /** The page (re)loaded: show it the current or default run, then what was held for it. */
  protected async ready(): Promise<void> {
    this.pageReady = true;
    await this.showRun();
    const held = this.held;
    this.held = [];
    for (const m of held) this.port.post(m);
  }

  /** Posts `message` now if the page listens, else right after its next state. */
  protected postWhenReady(message: Out): void {
    if (this.pageReady) this.port.post(message);
    else this.held.push(message);
  }

  /**
   * The webview was hidden and, not retained, unloaded its page: nothing listens until the page
   * loads again and says ready.
   */
  pageUnloaded(): void {
    this.pageReady = false;
  }

  /** The page's whole state for the webview. */
  protected abstract render(session: RunSession | undefined, runs: RunChoice[], error?: string): Out;

  /** Shows `dir`, or when undefined the newest finished run (the page's default). */
  showRun(dir?: string): Promise<void> {
    this.switching = this.switching.then(() => this.switchTo(dir)).catch((e) => this.fail(e));
    return this.switching;
  }

  /** Lets go of the run shown, in turn with showRun (the Duplicates page then shows a folder with no run). */
  protected showNoRun(): Promise<void> {
    this.switching = this.switching.then(() => this.letGo()).catch((e) => this.fail(e));
    return this.switching;
  }

  private async switchTo(dir: string | undefined): Promise<void> {
    const entries = await this.sessions.list();
    // The run shown was deleted (Delete Run, or its folder removed): let it go, so its clusters
    // are never drawn under the picker's next run.
    if (this.session && !entries.some((e) => e.dir === this.session!.dir)) await this.letGo();
    const target = dir ?? this.session?.dir ?? defaultRun(entries);
    if (this.disposed) return;
    if (target === undefined || target === this.session?.dir) return this.refresh();
    const next = await this.sessions.acquire(target);
    if (this.disposed) return void this.sessions.release(next);
    await this.letGo();
    this.session = next;
    this.sessionSub = [next.onDidChange(() => this.refresh()), ...(this.watchSession?.(next) ?? [])];
    this.refresh();
  }

  private async letGo(): Promise<void> {
    for (const d of this.sessionSub) d.dispose();
    this.sessionSub = [];
    const s = this.session;
    this.session = undefined;
    if (s) await this.sessions.release(s);
  }

  /** What else a page follows of its run's session while it shows that run. */
  protected watchSession?(session: RunSession): Disposable[];

  protected accept<T>(schema: Schema<T>, raw: unknown): T | undefined {
    return acceptMessage(schema, raw, this.ui, this.constructor.name);
  }

  refresh(): void {
    if (this.disposed) return;
    if (!this.pageReady) {
      // Nobody listens yet: build the run's model now so the first post is quick.
      this.session?.model();
      return;
    }
    try {
      this.port.post(this.render(this.session, this.sessions.choices()));
    } catch (e) {
      this.fail(e);
    }
  }

  protected fail(e: unknown): void {
    const message = e instanceof Error ? e.message : String(e);
    this.ui.log(`view error: ${message}`);
    if (!this.disposed && this.pageReady)
      this.port.post(this.render(undefined, this.sessions.choices(), message));
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.listSub.dispose();
    for (const d of this.sessionSub) d.dispose();
    await this.switching;
    if (this.session) await this.sessions.release(this.session);
    this.session = undefined;
  }
}

/** The newest finished run, else the newest of any status. */
function defaultRun(
  entries: { dir: string; run: { status: string; startedAt: string } }[],
): string | undefined {
  const newest = [...entries].sort((a, b) => (a.run.startedAt < b.run.startedAt ? 1 : -1));
  return (newest.find((e) => e.run.status === 'done') ?? newest[0])?.dir;
}
