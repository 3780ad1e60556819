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

export function connect<Out, In>(incoming: Schema<In>, onMessage: (message: In) => void): { send(message: Out): void } {
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

/** View settings that should survive the webview being hidden and shown again. */
export function savedState<T extends object>(defaults: T): T {
  const saved = api.getState();
  return typeof saved === 'object' && saved !== null ? { ...defaults, ...(saved as Partial<T>) } : { ...defaults };
}

export function saveState(state: object): void {
  api.setState(state);
}
