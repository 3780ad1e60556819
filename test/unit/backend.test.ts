// The backend ladder: auto picks the first backend that starts and says why it skipped the others.
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initBackend } from '../../src/trainer/backend/index.js';
import { locateWasmDir } from '../../src/trainer/backend/wasm.js';

const installed = async (pkg: string) =>
  import(pkg).then(
    () => true,
    () => false,
  );
const NATIVES = [
  ['tensorflow-gpu', '@tensorflow/tfjs-node-gpu'],
  ['tensorflow', '@tensorflow/tfjs-node'],
] as const;
const present = Object.fromEntries(
  await Promise.all(NATIVES.map(async ([, pkg]) => [pkg, await installed(pkg)] as const)),
);
const noNative = NATIVES.every(([, pkg]) => !present[pkg]);

test(
  'auto falls through the missing native bindings to wasm, with threads, and logs why',
  { skip: !noNative && 'a native tfjs binding is installed here, so auto does not fall through to wasm' },
  async () => {
    const lines: string[] = [];
    const info = await initBackend('auto', (l) => lines.push(l));
    for (const [name] of NATIVES) {
      assert.deepEqual(
        info.skipped.find((s) => s.name === name),
        { name, reason: 'not installed' },
      );
      assert.ok(
        lines.some((l) => l.includes(`backend ${name} skipped: not installed`)),
        lines.join('\n'),
      );
    }
    assert.equal(info.name, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
    assert.ok(info.threads >= 1);
    assert.ok(
      lines.some((l) => l === `backend: wasm, ${info.threads} thread${info.threads === 1 ? '' : 's'}`),
      lines.join('\n'),
    );
    // A quick op on the threaded backend gives the right answer.
    const y = tf.matMul(tf.ones([64, 32]), tf.ones([32, 16]));
    assert.equal(y.dataSync()[0], 32);
  },
);

test(
  'a forced backend that cannot start throws, naming it and the reason',
  {
    skip: present['@tensorflow/tfjs-node'] && '@tensorflow/tfjs-node is installed here, so forcing it starts',
  },
  async () => {
    await assert.rejects(
      initBackend('tensorflow'),
      /backend tensorflow \(@tensorflow\/tfjs-node\) is unavailable: not installed/,
    );
    // The current backend is left alone.
    assert.notEqual(tf.getBackend(), 'tensorflow');
  },
);

test('an unknown backend name is rejected', async () => {
  await assert.rejects(initBackend('webgpu' as never), /unknown backend webgpu/);
});

test('switching between cpu and wasm in one process works and reports threads', async () => {
  const cpu = await initBackend('cpu');
  assert.deepEqual([cpu.name, cpu.threads, tf.getBackend()], ['cpu', 1, 'cpu']);
  const wasm = await initBackend('wasm');
  assert.equal(wasm.name, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  // Initialising again reuses the running module.
  assert.equal((await initBackend('wasm')).threads, wasm.threads);
});

test('the wasm binaries are found (in the package when not bundled)', () => {
  const dir = locateWasmDir();
  assert.match(dir, /tfjs-backend-wasm[\\/]dist$/);
});
