import * as tf from '@tensorflow/tfjs-core';
import { availableParallelism } from 'node:os';

/** The two libtensorflow bindings: optional peer dependencies, present only on some users' machines. */
export const NATIVE_PACKAGES = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
} as const;

export type NativeName = keyof typeof NATIVE_PACKAGES;

/** A specifier bundlers cannot follow: the packages must be resolved from node_modules at run time. */
async function importOptional(pkg: string): Promise<unknown> {
  const specifier: string = pkg;
  return import(specifier);
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
  if (!tf.findBackendFactory('tensorflow')) throw new Error(`${pkg} loaded but registered no 'tensorflow' backend (a second copy of tfjs-core?)`);
  if (!(await tf.setBackend('tensorflow'))) throw new Error(`${pkg} loaded but its backend failed to initialise`);
  // libtensorflow sizes its intra-op pool to the cores.
  return { threads: availableParallelism() };
}
