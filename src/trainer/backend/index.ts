import * as tf from '@tensorflow/tfjs-core';
// A named import: the cpu package declares itself side-effect free, so a bare import would be
// dropped by esbuild, and with it the registration of the cpu backend.
import { version_cpu } from '@tensorflow/tfjs-backend-cpu';
import './stockGradients.js';
import { installFastGradients } from './fast/register.js';
import { initNative, NATIVE_PACKAGES } from './native.js';
import { initWasm } from './wasm.js';

import { BACKEND_NAMES } from '../../common/runFields.js';
import type { BackendChoice, BackendName } from '../../protocol/run.js';

export type { BackendChoice, BackendName } from '../../protocol/run.js';
export interface BackendInfo {
  name: BackendName;
  threads: number;
  skipped: { name: BackendName; reason: string }[];
}

/** The auto ladder: the backend names, which the run fields' spec lists fastest first. */
const LADDER: readonly BackendName[] = BACKEND_NAMES;

async function init(name: BackendName, log: (line: string) => void): Promise<number> {
  switch (name) {
    case 'tensorflow-gpu':
    case 'tensorflow':
      return (await initNative(name)).threads;
    case 'wasm': {
      const w = await initWasm();
      if (w.threadsNote) log(`wasm: running single-threaded (${w.threadsNote})`);
      return w.threads;
    }
    case 'cpu':
      if (!(await tf.setBackend('cpu')))
        throw new Error(`tfjs-backend-cpu ${version_cpu} failed to initialise`);
      return 1;
  }
}

/**
 * Makes `choice` the tfjs backend. 'auto' walks the ladder (the backend names, fastest first) and takes the
 * first that starts, recording why the others were skipped; a forced choice that fails throws.
 */
export async function initBackend(
  choice: BackendChoice,
  log: (line: string) => void = () => {},
): Promise<BackendInfo> {
  installFastGradients();
  if (choice !== 'auto') {
    if (!LADDER.includes(choice))
      throw new Error(`unknown backend ${String(choice)} (expected auto, ${LADDER.join(', ')})`);
    let threads: number;
    try {
      threads = await init(choice, log);
    } catch (e) {
      const pkg =
        choice in NATIVE_PACKAGES ? ` (${NATIVE_PACKAGES[choice as keyof typeof NATIVE_PACKAGES]})` : '';
      throw new Error(`backend ${choice}${pkg} is unavailable: ${(e as Error).message}`, { cause: e });
    }
    log(`backend: ${choice}, ${threads} thread${threads === 1 ? '' : 's'}`);
    return { name: choice, threads, skipped: [] };
  }
  const skipped: BackendInfo['skipped'] = [];
  for (const name of LADDER) {
    try {
      const threads = await init(name, log);
      for (const s of skipped) log(`backend ${s.name} skipped: ${s.reason}`);
      log(`backend: ${name}, ${threads} thread${threads === 1 ? '' : 's'}`);
      return { name, threads, skipped };
    } catch (e) {
      skipped.push({ name, reason: (e as Error).message });
    }
  }
  throw new Error(`no tfjs backend could start: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}
