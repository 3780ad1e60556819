import { createRequire } from 'node:module';
import { resolveObjectURL } from 'node:buffer';
import type { Worker as NodeWorker, WorkerOptions } from 'node:worker_threads';

/**
 * Multi-threaded XNNPACK for tfjs-backend-wasm under Node.
 *
 * tfjs turns wasm threads off in Node (WASM_HAS_MULTITHREAD_SUPPORT is false there, tfjs issue
 * 3830). Forcing the flag on is not enough, for three reasons this module works around:
 *  1. Emscripten starts each pthread as `new Worker(blobURL)`; Node's worker_threads refuses blob:
 *     URLs. We swap in a Worker subclass that starts a small eval'd bootstrap instead, hands it the
 *     blob, and lets it feed the script (and the main-script blob sent later) to `importScripts`.
 *  2. The main script is the factory's `toString()`, which refers to the node bundle's module-level
 *     names (require$$0 = fs, ..., and esbuild's __require when bundled again). The bootstrap
 *     defines them as globals. A minified bundle renames them; then the workers report failure and
 *     the caller falls back to one thread.
 *  3. The C side caps the pool at emscripten_num_logical_cores() / 2 (it assumes hyper-threading),
 *     i.e. one thread on a 2-core machine. We report twice the wanted count while the module starts.
 * The pool's workers are unref'd so they never keep the process alive: all work is driven
 * synchronously from the main thread, idle pool threads just wait on a futex.
 */

const require = createRequire(import.meta.url);
type WorkerThreads = typeof import('node:worker_threads');
type Os = typeof import('node:os');

// Runs in each pthread worker (CommonJS, eval'd). Any failure sets status[0] = 1 instead of throwing:
// Emscripten rethrows worker errors on the main thread, which would crash the process.
const BOOTSTRAP = `
const wt = require('worker_threads');
const { EventEmitter } = require('events');
const status = new Int32Array(wt.workerData.status, 0, 1);
// The factory reports a failed require on console.error before throwing: keep it as the reason.
let consoleError = '';
console.error = (...a) => { consoleError = a.join(' '); };
const fail = (e) => {
  const text = String(e && e.message || e) + (consoleError ? ' (' + consoleError + ')' : '');
  const msg = new TextEncoder().encode(text).subarray(0, 250);
  new Uint8Array(wt.workerData.status, 4).set(msg);
  Atomics.store(status, 0, 1);
};
try {
  const realPort = wt.parentPort;
  const port = new EventEmitter();
  port.postMessage = (m, t) => realPort.postMessage(m, t);
  const scripts = new Map();
  let queue = Promise.resolve();
  // Keep message order while a Blob is read asynchronously.
  realPort.on('message', (data) => {
    queue = queue.then(async () => {
      if (data && data.cmd === 'load' && data.urlOrBlob && typeof data.urlOrBlob !== 'string') {
        const key = 'clusterlab-wasm-main-' + scripts.size;
        scripts.set(key, await data.urlOrBlob.text());
        data.urlOrBlob = key;
      }
      port.emit('message', data);
    }).catch(fail);
  });
  const fakeWt = Object.assign({}, wt, { parentPort: port });
  const req = (m) => (m === 'worker_threads' ? fakeWt : require(m));
  // The names the factory's source uses for its bundle's modules: tfjs's node bundle, and
  // esbuild's require shim when that bundle is bundled again.
  Object.assign(globalThis, {
    require$$0: require('fs'), require$$1: require('path'), require$$3: require('perf_hooks'), require$$4: require('os'),
    commonjsGlobal: globalThis, __require: req,
  });
  wt.workerData.blob.text().then((code) => {
    new Function('require', '__filename', code)(req, __filename);
    const plain = globalThis.importScripts;
    globalThis.importScripts = (f) => {
      if (!scripts.has(f)) return plain(f);
      try { (0, eval)(scripts.get(f)); } catch (e) { fail(e); return; }
      if (typeof globalThis.WasmBackendModuleThreadedSimd !== 'function') fail(new Error('factory not defined'));
    };
  }).catch(fail);
} catch (e) { fail(e); }
`;

export interface ThreadsPatch {
  /** Call after the backend settled: restores Worker and os.cpus. */
  restore(): void;
  /** A worker's failure, if one reported one (the backend promise would then never settle). */
  failure(): string | undefined;
  /** Stops every worker we started (after a failed attempt). */
  terminate(): void;
}

/** Installs the workarounds for one wasm initialisation with `threads` threads. */
export function patchForWasmThreads(threads: number): ThreadsPatch {
  const wt = require('node:worker_threads') as WorkerThreads;
  const os = require('node:os') as Os;
  const RealWorker = wt.Worker;
  const realCpus = os.cpus;
  const started: { worker: NodeWorker; status: SharedArrayBuffer }[] = [];

  class PthreadWorker extends RealWorker {
    constructor(url: string | URL, options?: WorkerOptions) {
      const blob = typeof url === 'string' && url.startsWith('blob:') ? resolveObjectURL(url) : undefined;
      if (!blob) {
        super(url, options);
        return;
      }
      const status = new SharedArrayBuffer(256);
      super(BOOTSTRAP, { ...options, eval: true, workerData: { blob, status } });
      started.push({ worker: this, status });
      this.unref();
    }
    // Emscripten refs a worker while its pthread runs; XNNPACK's pool threads run forever.
    override ref(): void {}
  }

  wt.Worker = PthreadWorker as unknown as typeof RealWorker;
  const cpus = realCpus.call(os);
  os.cpus = () => Array.from({ length: 2 * threads }, (_, i) => cpus[i % cpus.length]!);
  return {
    restore() {
      wt.Worker = RealWorker;
      os.cpus = realCpus;
    },
    failure() {
      const bad = started.find((s) => Atomics.load(new Int32Array(s.status, 0, 1), 0) === 1);
      if (!bad) return undefined;
      const bytes = new Uint8Array(bad.status, 4);
      const end = bytes.indexOf(0);
      // TextDecoder refuses views of shared memory; copy out first.
      return new TextDecoder().decode(bytes.slice(0, end < 0 ? bytes.length : end));
    },
    terminate() {
      for (const s of started) void s.worker.terminate();
    },
  };
}
