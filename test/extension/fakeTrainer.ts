import type { RunEndedNotice, WorkDoneValue } from '../../src/protocol/server.js';
import { EventEmitter } from './vscodeStub.js';

/** The trainer as the extension sees it, answering requests from a script. */
export class FakeTrainer {
  requests: { method: string; params: any }[] = [];
  answer: (method: string, params: any) => unknown = () => undefined;
  private readonly notified = new Map<string, (v: unknown) => void>();
  private readonly progressOf = new Map<string, (v: WorkDoneValue) => void>();
  readonly died = new EventEmitter<void>();
  readonly onDidDie = this.died.event;

  async request(def: { method: string }, params: unknown): Promise<any> {
    this.requests.push({ method: def.method, params });
    return this.answer(def.method, params);
  }
  onNotification(def: { method: string }, handler: (v: any) => void) {
    this.notified.set(def.method, handler);
    return { dispose: () => this.notified.delete(def.method) };
  }
  onProgress(token: string, handler: (v: WorkDoneValue) => void) {
    this.progressOf.set(token, handler);
    return { dispose: () => this.progressOf.delete(token) };
  }
  progress(token: string, v: WorkDoneValue): void {
    this.progressOf.get(token)!(v);
  }
  notify(method: string, v: unknown): void {
    this.notified.get(method)!(v);
  }
  ended(n: RunEndedNotice): void {
    this.notified.get('clusterlab/runEnded')!(n);
  }
}
