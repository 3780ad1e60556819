/**
 * The trainer child process (dist/server.mjs) as a language client: started on first use, never
 * in an untrusted workspace, restarted by vscode-languageclient when it dies (with a limit), and
 * stopped on deactivate. No training code runs in the extension host; everything goes through
 * the requests of src/protocol/server.ts.
 */
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import {
  LanguageClient,
  TransportKind,
  WorkDoneProgress,
  type ErrorHandler,
} from 'vscode-languageclient/node';
import { Requests, type NotificationDef, type RequestDef, type WorkDoneValue } from '../protocol/server.js';
import type { DuplicatesBy, DuplicatesResult } from '../protocol/duplicatesMessages.js';
import { check } from '../protocol/schema.js';
import { assertTrusted } from './trust.js';

/** What the rest of the extension needs of the trainer (tests hand in a fake). */
export interface Trainer {
  request<P, R>(def: RequestDef<P, R>, params: P): Promise<R>;
  /** Handlers stay registered across restarts of the process. */
  onNotification<T>(def: NotificationDef<T>, handler: (value: T) => void): vscode.Disposable;
  /** Work-done progress on a token the caller put in a request. */
  onProgress(token: string, handler: (value: WorkDoneValue) => void): vscode.Disposable;
  /** The process ended without being asked to (a crash, or killed); it is restarted. */
  readonly onDidDie: vscode.Event<void>;
}

/** Restarts allowed within three minutes before the trainer is left stopped. */
const MAX_RESTARTS = 4;
/** The trainer gets this long to cancel its run and write the run's status before it is killed. */
const STOP_MS = 6000;

export class TrainerClient implements Trainer, vscode.Disposable {
  private readonly client: LanguageClient;
  private readonly died = new vscode.EventEmitter<void>();
  readonly onDidDie = this.died.event;
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;

  /** The run and debug server options, read by the client at each start: their environment carries clusterlab.nativeBackendPath. */
  private readonly servers: { options: { env: NodeJS.ProcessEnv } }[];

  constructor(
    serverModule: string,
    log: vscode.LogOutputChannel,
    private readonly env: () => NodeJS.ProcessEnv = () => ({}),
  ) {
    const run = {
      module: serverModule,
      transport: TransportKind.ipc as const,
      options: { env: process.env },
    };
    const debug = { ...run, options: { env: process.env, execArgv: ['--nolazy', '--inspect=6010'] } };
    this.servers = [run, debug];
    // The client's own handler exists only once the client does; the handler below defers to it.
    const defaults: { handler?: ErrorHandler } = {};
    const errorHandler: ErrorHandler = {
      error: (e, m, count) => defaults.handler!.error(e, m, count),
      closed: () => {
        this.died.fire();
        return defaults.handler!.closed();
      },
    };
    this.client = new LanguageClient(
      'clusterlab.trainer',
      'ClusterLab Trainer',
      { run, debug },
      // The trainer also checks experiment files as they are typed (src/trainer/experiment/lsp.ts).
      {
        documentSelector: [{ scheme: 'file', pattern: '**/*.clusterlab.yaml' }],
        outputChannel: log,
        errorHandler,
      },
    );
    defaults.handler = this.client.createDefaultErrorHandler(MAX_RESTARTS);
  }

  async request<P, R>(def: RequestDef<P, R>, params: P): Promise<R> {
    await this.ensureStarted();
    return this.client.sendRequest<R>(def.method, params);
  }

  onNotification<T>(def: NotificationDef<T>, handler: (value: T) => void): vscode.Disposable {
    return this.client.onNotification(def.method, (raw: unknown) => handler(check(def.params, raw)));
  }

  onProgress(token: string, handler: (value: WorkDoneValue) => void): vscode.Disposable {
    return this.client.onProgress(WorkDoneProgress.type, token, handler);
  }

  /** Lets a run in flight write its status (cancelled, resumable) before the process goes. */
  async stop(): Promise<void> {
    // deactivate and dispose both stop: the second waits for the first.
    if (this.client.isRunning()) this.stopping = this.client.stop(STOP_MS);
    await this.stopping;
  }

  dispose(): void {
    void this.stop();
    this.died.dispose();
  }

  /** Starts the trainer if it is not running (an experiment file was opened: it serves its diagnostics). */
  async ensureStarted(): Promise<void> {
    assertTrusted();
    if (this.client.isRunning()) return;
    for (const s of this.servers) s.options.env = { ...process.env, ...this.env() };
    // A start that failed (or a trainer left stopped after too many crashes) is tried again on next use.
    this.starting ??= this.client.start().finally(() => (this.starting = undefined));
    await this.starting;
  }
}

type Progress = (p: { percentage?: number; message?: string }) => void;

/** Sends a request with a fresh work-done token, its progress passed to `onProgress`. */
async function withProgress<R>(
  trainer: Trainer,
  onProgress: Progress,
  send: (workDoneToken: string) => Promise<R>,
): Promise<R> {
  const workDoneToken = `clusterlab-progress-${randomUUID()}`;
  const sub = trainer.onProgress(
    workDoneToken,
    (v) =>
      v.kind !== 'end' &&
      onProgress({
        ...(v.percentage !== undefined ? { percentage: v.percentage } : {}),
        ...(v.message ? { message: v.message } : {}),
      }),
  );
  try {
    return await send(workDoneToken);
  } finally {
    sub.dispose();
  }
}

/** The trainer's layout request for a run, its work-done progress passed to `onProgress`. */
export function layoutRequest(trainer: Trainer) {
  return async (runDir: string, onProgress: Progress): Promise<void> => {
    await withProgress(trainer, onProgress, (workDoneToken) =>
      trainer.request(Requests.layout, { runDir, workDoneToken }),
    );
  };
}

/** The trainer's duplicates request for a run or an image folder (the Duplicates page's DuplicatesFn). */
export function duplicatesRequest(trainer: Trainer) {
  return (
    dir: string,
    by: DuplicatesBy,
    threshold: number,
    onProgress: Progress,
  ): Promise<DuplicatesResult> =>
    withProgress(trainer, onProgress, (workDoneToken) =>
      trainer.request(Requests.duplicates, { dir, by, threshold, workDoneToken }),
    );
}
