import * as tf from '@tensorflow/tfjs-core';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BackendStatus } from '../../protocol/server.js';

let checked: Promise<BackendStatus[]> | undefined;

/**
 * The doctor's findings (backend/doctor.ts), from a child `clusterlab doctor --json`: checking
 * starts each backend, which in this process would pull a training run off its own. Checked once
 * per trainer process; the extension restarts the trainer when the native path setting changes.
 */
export function availableBackends(refresh = false): Promise<BackendStatus[]> {
  if (refresh) checked = undefined;
  checked ??= new Promise<BackendStatus[]>((resolve, reject) => {
    // The bundled CLI (next to this bundle) exports main; bin/ does not ship in the VSIX.
    const cli = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), 'cli.mjs')).href;
    // A plain (CommonJS) -e script: flags such as --input-type would reach the wasm backend's worker threads too.
    const script = `import(${JSON.stringify(cli)}).then(async (m) => { process.exitCode = await m.main(['doctor', '--json']); });`;
    // Without the IPC channel this process was forked with, which the child would otherwise try to open.
    const env = { ...process.env };
    delete env.NODE_CHANNEL_FD;
    delete env.NODE_CHANNEL_SERIALIZATION_MODE;
    execFile(
      process.execPath,
      ['-e', script],
      { env, timeout: 120_000, maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        try {
          if (err) throw new Error(stderr.trim().split('\n')[0] || err.message);
          resolve(JSON.parse(stdout) as BackendStatus[]);
        } catch (e) {
          reject(new Error(`checking the compute backends failed: ${(e as Error).message}`));
        }
      },
    );
  }).catch((e) => {
    checked = undefined;
    throw e;
  });
  const active = tf.engine().backendName;
  // Both native packages register as 'tensorflow': the faster available one is the one running.
  return checked.then((list) => {
    const native = list.find(
      (b) => b.available && (b.name === 'tensorflow-gpu' || b.name === 'tensorflow'),
    )?.name;
    return list.map((b) => ({
      ...b,
      active: active === 'tensorflow' ? b.name === native : b.name === active,
    }));
  });
}
