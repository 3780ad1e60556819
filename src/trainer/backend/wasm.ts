import * as tf from '@tensorflow/tfjs-core';
import * as tfwasm from '@tensorflow/tfjs-backend-wasm';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { patchForWasmThreads } from './wasmThreads.js';

const WASM_FILES = [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
];
/** The wasm backend's pthread pool has 8 workers; XNNPACK cannot use more threads. */
const MAX_THREADS = 8;
const THREADS_TIMEOUT_MS = 60_000;

/**
 * Where the .wasm binaries are: next to the running module when bundled (the build copies them to
 * dist/), else in the installed package.
 */
export function locateWasmDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  if (WASM_FILES.every((f) => existsSync(join(here, f)))) return here;
  const pkgMain = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
  const dir = dirname(pkgMain);
  if (!WASM_FILES.every((f) => existsSync(join(dir, f)))) {
    throw new Error(`the wasm binaries (${WASM_FILES.join(', ')}) are neither next to ${here} nor in ${dir}`);
  }
  return dir;
}

/** Threads wanted: CLUSTERLAB_WASM_THREADS if set (1 turns threads off), else one per core. */
function wantedThreads(): number {
  const env = process.env['CLUSTERLAB_WASM_THREADS'];
  const n = env ? Number.parseInt(env, 10) : availableParallelism();
  return Math.max(1, Math.min(MAX_THREADS, Number.isFinite(n) ? n : 1));
}

export interface WasmInit {
  threads: number;
  /** Why threads were wanted but not used. */
  threadsNote?: string;
}

let initialised: Promise<WasmInit> | undefined;

/** Initialises the wasm backend once per process (threads if they work) and makes it current. */
export async function initWasm(): Promise<WasmInit> {
  initialised ??= firstInit();
  try {
    const info = await initialised;
    if (!(await tf.setBackend('wasm'))) throw new Error('tf.setBackend("wasm") returned false');
    return info;
  } catch (e) {
    initialised = undefined;
    throw e;
  }
}

async function firstInit(): Promise<WasmInit> {
  tfwasm.setWasmPaths(locateWasmDir() + '/');
  const factory = tf.findBackendFactory('wasm');
  const threads = wantedThreads();
  if (threads > 1 && factory) {
    const note = await tryThreads(threads);
    if (note === undefined) return { threads: tfwasm.getThreadsCount() };
    // Start over single-threaded: a fresh registration, as the failed one may be stuck.
    tf.removeBackend('wasm');
    tf.registerBackend('wasm', factory, 2);
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    tfwasm.setThreadsCount(1);
    await setOrThrow();
    return { threads: tfwasm.getThreadsCount(), threadsNote: note };
  }
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  await setOrThrow();
  return { threads: tfwasm.getThreadsCount() };
}

/** undefined when the threaded backend is up, else why not. */
async function tryThreads(threads: number): Promise<string | undefined> {
  if (!(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))) return 'the threaded binary needs wasm SIMD';
  const patch = patchForWasmThreads(threads);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  tfwasm.setThreadsCount(threads);
  let timer: NodeJS.Timeout | undefined;
  const watchdog = new Promise<string>((resolve) => {
    const started = Date.now();
    timer = setInterval(() => {
      const failure = patch.failure();
      if (failure !== undefined) resolve(`a thread failed to start: ${failure}`);
      else if (Date.now() - started > THREADS_TIMEOUT_MS) resolve('threads did not start in time');
    }, 20);
  });
  try {
    const ok = await Promise.race([
      tf.setBackend('wasm').then((ok) => (ok ? undefined : 'the threaded module failed to initialise')),
      watchdog,
    ]);
    if (ok !== undefined) patch.terminate();
    return ok;
  } catch (e) {
    patch.terminate();
    return (e as Error).message;
  } finally {
    clearInterval(timer);
    patch.restore();
  }
}

async function setOrThrow(): Promise<void> {
  if (!(await tf.setBackend('wasm')))
    throw new Error('the wasm module failed to initialise (see the warning above)');
}
