import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import type { BackendStatus } from '../../protocol/server.js';
import { NATIVE_PACKAGES } from './native.js';

/**
 * Which backends this machine has, without starting any: starting one makes it tfjs's current
 * backend, which would pull a training run off its own. The native packages are only looked up.
 */
export function availableBackends(): BackendStatus[] {
  const active = tf.engine().backendName;
  const req = createRequire(import.meta.url);
  const native = (name: keyof typeof NATIVE_PACKAGES): BackendStatus => {
    const pkg = NATIVE_PACKAGES[name];
    let installed = true;
    try {
      req.resolve(pkg);
    } catch {
      installed = false;
    }
    const detail = installed ? `${pkg} is installed` : `${pkg} is not installed (npm install ${pkg} next to ClusterLab)`;
    // Both native packages register as 'tensorflow': which one is running is not told apart here.
    return { name, installed, active: installed && active === 'tensorflow', detail };
  };
  return [
    native('tensorflow-gpu'),
    native('tensorflow'),
    { name: 'wasm', installed: true, active: active === 'wasm', detail: 'WebAssembly, bundled' },
    { name: 'cpu', installed: true, active: active === 'cpu', detail: 'plain JavaScript, the slowest' },
  ];
}
