/**
 * The page's line to the extension host. VS Code gives a webview one postMessage API; messages
 * back arrive as window "message" events and are checked against the protocol before use.
 */
import { check, type Schema } from '../../src/protocol/schema.js';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** Allowed once per page load, so it is acquired here and shared. */
const api = acquireVsCodeApi();

export function connect<Out, In>(
  incoming: Schema<In>,
  onMessage: (message: In) => void,
): { send(message: Out): void } {
  window.addEventListener('message', (e: MessageEvent<unknown>) => {
    let message: In;
    try {
      message = check(incoming, e.data);
    } catch (err) {
      console.error(`ClusterLab: ignored a message the page does not understand: ${(err as Error).message}`);
      return;
    }
    onMessage(message);
  });
  return { send: (message: Out) => api.postMessage(message) };
}

const initial = api.getState();
/**
 * The run the page shows, kept in the webview's state beside its view settings: VS Code hands
 * that state to the extension's serializer when it restores the tab after a window reload.
 */
let shownRun =
  typeof initial === 'object' && initial !== null && typeof (initial as { run?: unknown }).run === 'string'
    ? (initial as { run: string }).run
    : undefined;

/** View settings that should survive the webview being hidden and shown again. */
export function savedState<T extends object>(defaults: T): T {
  const saved = api.getState();
  if (typeof saved !== 'object' || saved === null) return { ...defaults };
  const settings: Partial<T> & { run?: unknown } = { ...(saved as Partial<T>) };
  delete settings.run;
  return { ...defaults, ...settings };
}

export function saveState(state: object): void {
  api.setState({ ...state, ...(shownRun ? { run: shownRun } : {}) });
}

/** Remembers the run shown (see shownRun). */
export function rememberRun(dir: string): void {
  if (dir === shownRun) return;
  shownRun = dir;
  const saved = api.getState();
  api.setState({ ...(typeof saved === 'object' && saved !== null ? saved : {}), run: dir });
}
