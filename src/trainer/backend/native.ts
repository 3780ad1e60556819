import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import { availableParallelism, homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The two libtensorflow bindings: optional peer dependencies, present only on some users' machines. */
export const NATIVE_PACKAGES = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
} as const;

export type NativeName = keyof typeof NATIVE_PACKAGES;

/** Set by the extension from clusterlab.nativeBackendPath, or by a user of the command line. */
export const NATIVE_PATH_ENV = 'CLUSTERLAB_NATIVE_BACKEND_PATH';

/**
 * Where the native packages are looked for, in order: the user's own folder (an installed
 * extension's folder is not theirs to npm install into), then ClusterLab's own node_modules.
 */
export function nativeSearchRoots(): string[] {
  const user = process.env[NATIVE_PATH_ENV]?.trim();
  const own = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  return [...(user ? [resolve(user.replace(/^~(?=$|[/\\])/, homedir()))] : []), own];
}

/** Resolved at run time from the search roots: bundlers must not follow it. */
async function importOptional(pkg: string): Promise<unknown> {
  for (const root of nativeSearchRoots()) {
    let file: string;
    try {
      file = createRequire(join(root, 'package.json')).resolve(pkg);
    } catch {
      continue;
    }
    return import(pathToFileURL(file).href);
  }
  throw Object.assign(new Error(`Cannot find package '${pkg}'`), { code: 'ERR_MODULE_NOT_FOUND' });
}

/** Short, human reason for a failed import. */
function importFailure(pkg: string, e: unknown): string {
  const err = e as { code?: string; message?: string };
  const message = String(err?.message ?? e);
  const missing = err?.code === 'ERR_MODULE_NOT_FOUND' || err?.code === 'MODULE_NOT_FOUND';
  // Only the package itself missing counts as "not installed"; a missing piece inside it is an error.
  if (missing && (message.includes(`'${pkg}'`) || message.includes(`"${pkg}"`))) return 'not installed';
  return message.split('\n')[0]!.trim();
}

/** Loads a native binding and makes its backend current; throws with a short reason. */
export async function initNative(name: NativeName): Promise<{ threads: number }> {
  const pkg = NATIVE_PACKAGES[name];
  try {
    await importOptional(pkg);
  } catch (e) {
    throw new Error(importFailure(pkg, e), { cause: e });
  }
  // Both packages register their backend as 'tensorflow'.
  if (!tf.findBackendFactory('tensorflow'))
    throw new Error(`${pkg} loaded but registered no 'tensorflow' backend (a second copy of tfjs-core?)`);
  if (!(await tf.setBackend('tensorflow')))
    throw new Error(`${pkg} loaded but its backend failed to initialise`);
  // libtensorflow sizes its intra-op pool to the cores.
  return { threads: availableParallelism() };
}
