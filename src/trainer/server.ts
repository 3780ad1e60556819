/**
 * The trainer as a language server, the child process the extension starts (`node
 * dist/server.mjs --node-ipc`, or `--stdio` for any other client). Requests start, cancel and
 * resume runs and assign images; a run's progress goes back as work-done progress on the token of
 * the request that started it, its epochs and its end as notifications, its log lines as the
 * server's log messages. It also serves `*.clusterlab.yaml` experiment files (experiment/lsp.ts).
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { createConnection, ErrorCodes, LSPErrorCodes, ResponseError } from 'vscode-languageserver/node';
import { check } from '../protocol/schema.js';
import { Notifications, Requests, type RequestDef, type ResumeParams } from '../protocol/server.js';
import { availableBackends } from './backend/available.js';
import { initBackend } from './backend/index.js';
import { ActiveRuns, type RunOptions } from './run/activeRuns.js';
import { Assigner } from './run/assign.js';
import { assignFolder } from './run/assignFolder.js';
import { resolveConfig, stagePlan } from './methods/index.js';
import { cacheDirOf, defaultConfig, extensionWords, validateConfig } from './run/config.js';
import { runDuplicates } from './curate/duplicates.js';
import { layoutRun } from './layout/runLayout.js';
import { experimentCapabilities, serveExperiments } from './experiment/lsp.js';
import { runDirInside } from '../common/runPlace.js';

const connection = createConnection();

const runs = new ActiveRuns({
  log: (line) => connection.console.info(line),
  epoch: (runId, runDir, row) =>
    void connection.sendNotification(Notifications.epoch.method, { runId, runDir, row }),
  ended: (notice) => void connection.sendNotification(Notifications.runEnded.method, notice),
});

// Idle, a run's images are assigned on the backend it trained on (falling back to the best
// available); during training, on the backend the run holds, which must not be switched under it.
const assigner = new Assigner(async (backend) => {
  if (runs.busy) return;
  await initBackend(backend).catch(() => initBackend('auto'));
});

/** Registers a request whose params are checked first; failures reach the client as one-line messages. */
function handle<P, R>(def: RequestDef<P, R>, run: (params: P) => R | Promise<R>): void {
  connection.onRequest(def.method, async (raw: unknown) => {
    let params: P;
    try {
      params = check(def.params, raw ?? {});
    } catch (e) {
      throw new ResponseError(ErrorCodes.InvalidParams, `${def.method}: ${(e as Error).message}`);
    }
    try {
      return await run(params);
    } catch (e) {
      throw new ResponseError(LSPErrorCodes.RequestFailed, extensionWords(e));
    }
  });
}

/** What train and resume share: the pixel cache, the memory cap, and progress on the request's token. */
function runOptions(p: Pick<ResumeParams, 'cacheDir' | 'memoryCapMB' | 'workDoneToken'>): RunOptions {
  const reporter = connection.window.attachWorkDoneProgress(p.workDoneToken);
  return {
    // As the command line's: --cache, else $CLUSTERLAB_CACHE, else ~/.cache/clusterlab.
    cacheDir: resolve(p.cacheDir ?? process.env.CLUSTERLAB_CACHE ?? join(homedir(), '.cache', 'clusterlab')),
    memoryCapMB: p.memoryCapMB,
    progress: {
      begin: (title) => reporter.begin(title, 0, undefined, true),
      report: (percent, message) => reporter.report(Math.min(100, Math.round(percent)), message),
      done: () => reporter.done(),
    },
  };
}

connection.onInitialize(() => ({
  capabilities: experimentCapabilities,
  serverInfo: { name: 'clusterlab-trainer' },
}));
serveExperiments(connection);

handle(Requests.defaults, (p) => defaultConfig(p.method, p.data));
handle(Requests.train, (p) => {
  // A run may switch the backend: the assigner's model would be left on the old one.
  assigner.release();
  return runs.train(p.config, p.runsDir, runOptions(p), {
    // Only directly inside the runs folder, whatever the request says.
    ...(p.runDir ? { runDir: runDirInside(p.runsDir, p.runDir) } : {}),
    ...(p.experiment ? { experiment: p.experiment } : {}),
  });
});
handle(Requests.resume, (p) => {
  assigner.release();
  return runs.resume(resolve(p.runDir), p.epochs, runOptions(p));
});
handle(Requests.retrain, (p) => {
  assigner.release();
  return runs.retrain(resolve(p.runDir), runOptions(p));
});
handle(Requests.cancel, (p) => ({ cancelled: runs.cancel(p.runId) }));
handle(Requests.assign, (p) => assigner.assign(resolve(p.runDir), p.files));
handle(Requests.assignFolder, async (p) => {
  const reporter = connection.window.attachWorkDoneProgress(p.workDoneToken);
  reporter.begin('Assigning images', 0, 'checking the images', false);
  try {
    return await assignFolder(assigner, resolve(p.runDir), resolve(p.data), {
      overwrite: p.overwrite ?? false,
      onProgress: (done, total) =>
        reporter.report(Math.round((100 * done) / total), `${done}/${total} images`),
    });
  } finally {
    reporter.done();
  }
});
handle(Requests.listBackends, (p) => availableBackends(p.refresh));
handle(Requests.plan, (p) => {
  validateConfig(p.config);
  const resolved = resolveConfig(p.config);
  return { epochs: resolved.epochs, stages: stagePlan(resolved) };
});

/** Layouts in flight by run folder: a second request for the same map waits for the first. */
const layouts = new Map<string, Promise<{ rows: number }>>();
handle(Requests.layout, (p) => {
  const dir = resolve(p.runDir);
  let job = layouts.get(dir);
  if (!job) {
    job = (async () => {
      // Idle, any backend will do; during a run, the one it holds (switching would pull it from under the run).
      if (!runs.busy) await initBackend('auto');
      const reporter = connection.window.attachWorkDoneProgress(p.workDoneToken);
      reporter.begin('Laying out the map', 0, 'reading features', false);
      try {
        const { meta } = await layoutRun(dir, {
          onProgress: (done, total) =>
            reporter.report(Math.round((100 * done) / total), `umap ${done}/${total}`),
          log: (line) => connection.console.info(line),
        });
        return { rows: meta.rows };
      } finally {
        reporter.done();
      }
    })().finally(() => layouts.delete(dir));
    layouts.set(dir, job);
  }
  return job;
});

handle(Requests.duplicates, async (p) => {
  const reporter = connection.window.attachWorkDoneProgress(p.workDoneToken);
  reporter.begin('Finding duplicates', 0, 'reading the images', false);
  try {
    return await runDuplicates(resolve(p.dir), p.by, p.threshold, cacheDirOf(), (done, total) =>
      reporter.report(Math.round((100 * done) / total), `hashed ${done}/${total} images`),
    );
  } finally {
    reporter.done();
  }
});

// Stopping the trainer (the extension deactivating) cancels the run, so its folder says cancelled
// and resumes from the last checkpoint.
connection.onShutdown(async () => {
  await runs.stop(5000);
  assigner.release();
});

connection.listen();
