/**
 * The smallest stand-in for the `vscode` module that the extension's own logic needs: importing
 * this file makes every later `import 'vscode'` resolve here. Prompts (quick picks, input boxes,
 * open dialogs, modal messages) take the next scripted answer; everything shown is recorded.
 * Modules under test must be imported after it, with a dynamic import().
 */
import { register } from 'node:module';

const hook = `export async function resolve(s, c, next) { return s === 'vscode' ? { url: ${JSON.stringify(import.meta.url)}, shortCircuit: true } : next(s, c); }`;
register(`data:text/javascript,${encodeURIComponent(hook)}`);

export interface Shown {
  kind: 'quickPick' | 'inputBox' | 'openDialog' | 'info' | 'warning' | 'error';
  /** Message text, or the prompt's title / placeholder. */
  text: string;
  items?: { label: string; description?: string; detail?: string }[];
  value?: string;
  /** A non-modal message's buttons. */
  buttons?: string[];
  /** A modal message's detail. */
  detail?: string;
}

type Answer = (prompt: { items?: any[]; value?: string; buttons?: string[] }) => unknown;

/** What tests drive and read. */
export const stub = {
  answers: [] as Answer[],
  shown: [] as Shown[],
  commands: new Map<string, (...args: any[]) => unknown>(),
  executed: [] as { id: string; args: unknown[] }[],
  progress: [] as {
    title: string;
    reports: { message?: string; increment?: number }[];
    cancel(): void;
    done: boolean;
  }[],
  statusBar: { text: '', visible: false },
  panels: [] as StubPanel[],
  /** Each restored page's serializer: a test restores a tab as after a window reload. */
  serializers: new Map<string, StubSerializer>(),
  config: new Map<string, unknown>(),
  reset(): void {
    this.answers.length = 0;
    this.shown.length = 0;
    this.executed.length = 0;
    this.progress.length = 0;
    this.statusBar = { text: '', visible: false };
    this.panels.length = 0;
    workspace.isTrusted = true;
  },
  /** Queues the answer to the next prompt: a value, or a function of the prompt. */
  answer(...answers: (Answer | string | undefined)[]): void {
    for (const a of answers) this.answers.push(typeof a === 'function' ? a : () => a);
  },
  /** Picks the quick-pick item whose label contains `text`. */
  pick(text: string): Answer {
    return ({ items }) => {
      const item = items?.find((i: { label: string }) => i.label.includes(text));
      if (!item)
        throw new Error(
          `no item with "${text}" in ${JSON.stringify(items?.map((i: { label: string }) => i.label))}`,
        );
      return item;
    };
  },
};

function next(prompt: Parameters<Answer>[0], shown: Shown): Promise<any> {
  stub.shown.push(shown);
  const a = stub.answers.shift();
  if (!a) throw new Error(`unscripted prompt: ${shown.kind} "${shown.text}"`);
  return Promise.resolve(a(prompt));
}

function message(kind: 'info' | 'warning' | 'error') {
  return (text: string, ...rest: unknown[]): Promise<string | undefined> => {
    const modal = typeof rest[0] === 'object' && rest[0] !== null && (rest[0] as { modal?: boolean }).modal;
    const buttons = rest.filter((r): r is string => typeof r === 'string');
    // Modal questions need an answer; other messages are only recorded.
    const detail = modal ? (rest[0] as { detail?: string }).detail : undefined;
    if (modal) return next({ buttons }, { kind, text, ...(detail ? { detail } : {}) });
    stub.shown.push({ kind, text, ...(buttons.length > 0 ? { buttons } : {}) });
    return Promise.resolve(undefined);
  };
}

export class EventEmitter<T> {
  private listeners = new Set<(e: T) => void>();
  event = (l: (e: T) => void) => {
    this.listeners.add(l);
    return { dispose: () => this.listeners.delete(l) };
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }
  dispose(): void {
    this.listeners.clear();
  }
}

export class Uri {
  readonly scheme = 'file';
  private constructor(readonly fsPath: string) {}
  get path(): string {
    return this.fsPath;
  }
  static file(fsPath: string): Uri {
    return new Uri(fsPath);
  }
  static joinPath(base: Uri, ...parts: string[]): Uri {
    return new Uri([base.fsPath, ...parts].join('/'));
  }
  toString(): string {
    return `file://${this.fsPath}`;
  }
}

export enum ViewColumn {
  Active = -1,
  Beside = -2,
}

export interface StubSerializer {
  deserializeWebviewPanel(panel: unknown, state: unknown): Promise<void>;
}

/** A webview panel as registerPages uses it: what the host posts is recorded, and `receive` plays the page. */
export interface StubPanel {
  viewType: string;
  posted: unknown[];
  receive(message: unknown): void;
  dispose(): void;
}

export enum TreeItemCollapsibleState {
  None = 0,
  Collapsed = 1,
  Expanded = 2,
}

export class TreeItem {
  id?: string;
  description?: string;
  tooltip?: string;
  iconPath?: ThemeIcon;
  contextValue?: string;
  resourceUri?: unknown;
  command?: { command: string; arguments?: unknown[] };
  constructor(
    public label: string,
    public collapsibleState: TreeItemCollapsibleState,
  ) {}
}

export class ThemeIcon {
  constructor(public id: string) {}
}

export enum ProgressLocation {
  Notification = 15,
}

export enum StatusBarAlignment {
  Left = 1,
}

export const window = {
  showQuickPick: (items: any[], options: { title?: string; placeHolder?: string } = {}) =>
    next(
      { items },
      {
        kind: 'quickPick',
        text: options.title ?? options.placeHolder ?? '',
        items: items.map((i) => (typeof i === 'string' ? { label: i } : i)),
      },
    ),
  showInputBox: async (options: {
    prompt?: string;
    title?: string;
    value?: string;
    validateInput?: (v: string) => string | undefined;
  }) => {
    const v = (await next(
      { value: options.value },
      { kind: 'inputBox', text: options.title ?? options.prompt ?? '', value: options.value },
    )) as string | undefined;
    const invalid = v === undefined ? undefined : options.validateInput?.(v);
    if (invalid) throw new Error(`input "${v}" refused: ${invalid}`);
    return v;
  },
  showOpenDialog: async () => {
    const path = (await next({}, { kind: 'openDialog', text: '' })) as string | undefined;
    return path === undefined ? undefined : [Uri.file(path)];
  },
  createWebviewPanel: (viewType: string): unknown => {
    const received = new EventEmitter<unknown>();
    const disposed = new EventEmitter<void>();
    const record: StubPanel = {
      viewType,
      posted: [],
      receive: (m) => received.fire(m),
      dispose: () => disposed.fire(),
    };
    stub.panels.push(record);
    return {
      visible: true,
      webview: {
        options: {},
        html: '',
        cspSource: 'stub:',
        asWebviewUri: (u: Uri) => u,
        postMessage: async (m: unknown) => void record.posted.push(m),
        onDidReceiveMessage: received.event,
      },
      reveal: () => undefined,
      onDidDispose: disposed.event,
      onDidChangeViewState: new EventEmitter<void>().event,
    };
  },
  registerWebviewViewProvider: () => ({ dispose: () => undefined }),
  registerWebviewPanelSerializer: (viewType: string, serializer: StubSerializer) => {
    stub.serializers.set(viewType, serializer);
    return { dispose: () => stub.serializers.delete(viewType) };
  },
  showInformationMessage: message('info'),
  showWarningMessage: message('warning'),
  showErrorMessage: message('error'),
  withProgress: async <R>(
    options: { title: string },
    task: (p: unknown, token: unknown) => Promise<R>,
  ): Promise<R> => {
    const cancelled = new EventEmitter<void>();
    const entry = {
      title: options.title,
      reports: [] as { message?: string; increment?: number }[],
      cancel: () => cancelled.fire(),
      done: false,
    };
    stub.progress.push(entry);
    try {
      return await task(
        { report: (r: { message?: string; increment?: number }) => entry.reports.push(r) },
        { onCancellationRequested: cancelled.event },
      );
    } finally {
      entry.done = true;
    }
  },
  createStatusBarItem: () => ({
    name: '',
    command: '',
    tooltip: '',
    set text(t: string) {
      stub.statusBar.text = t;
    },
    get text() {
      return stub.statusBar.text;
    },
    show: () => void (stub.statusBar.visible = true),
    hide: () => void (stub.statusBar.visible = false),
    dispose: () => void (stub.statusBar.visible = false),
  }),
};

export const workspace = {
  isTrusted: true,
  workspaceFolders: [] as { uri: ReturnType<typeof Uri.file> }[],
  getConfiguration: (section: string) => ({ get: (key: string) => stub.config.get(`${section}.${key}`) }),
  textDocuments: [] as { uri: { fsPath: string }; getText(): string }[],
  /** None by default; a test may answer for its own folders. */
  getWorkspaceFolder: (() => undefined) as (uri: Uri) => { uri: Uri } | undefined,
  asRelativePath: (p: string) => p,
};

export const commands = {
  registerCommand: (id: string, run: (...args: any[]) => unknown) => {
    stub.commands.set(id, run);
    return { dispose: () => stub.commands.delete(id) };
  },
  executeCommand: async (id: string, ...args: unknown[]) => {
    stub.executed.push({ id, args });
    return stub.commands.get(id)?.(...args);
  },
};

export const env = {
  clipboard: {
    text: '',
    writeText: async (text: string) => void (env.clipboard.text = text),
  },
};
