// `clusterlab doctor` and the reasons it gives, against fake native packages that fail the way the
// real ones do: the messages are those libtensorflow's loader and Node's dlopen print.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { BackendStatus } from '../../src/protocol/server.js';
import { explainNativeFailure } from '../../src/trainer/backend/doctor.js';
import { startCli } from './harness.js';
import { forkServer, initialize, shutdown } from './serverClient.js';
import { Requests } from '../../src/protocol/server.js';

/** A folder a user made with `npm install`, holding packages whose index.js does what `body` says. */
function nativeFolder(packages: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'clusterlab-native-'));
  for (const [name, body] of Object.entries(packages)) {
    const dir = join(root, 'node_modules', name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '4.22.0', main: 'index.js' }));
    writeFileSync(join(dir, 'index.js'), body);
  }
  return root;
}

const dlopenFails = (lib: string) =>
  `throw new Error('${lib}: cannot open shared object file: No such file or directory');`;

test('each load failure is named in plain words with its fix', () => {
  const cases: [string, string, RegExp, RegExp][] = [
    [
      'tensorflow-gpu',
      'not installed',
      /@tensorflow\/tfjs-node-gpu is not installed \(looked in /,
      /npm install @tensorflow\/tfjs-node-gpu@4\.22\.0/,
    ],
    [
      'tensorflow-gpu',
      'libcudnn.so.8: cannot open shared object file: No such file or directory',
      /^libcudnn\.so\.8 not found: cuDNN 8\.1\. .*needs exactly CUDA 11\.2 and cuDNN 8\.1/,
      /CUDA 12\) still runs them/,
    ],
    [
      'tensorflow-gpu',
      'libcudart.so.11.0: cannot open shared object file: No such file or directory',
      /^libcudart\.so\.11\.0 not found: the CUDA runtime/,
      /LD_LIBRARY_PATH/,
    ],
    [
      'tensorflow-gpu',
      'libcublas.so.11: cannot open shared object file: No such file or directory',
      /^libcublas\.so\.11 not found: cuBLAS/,
      /CUDA 11\.2/,
    ],
    [
      'tensorflow-gpu',
      'libcuda.so.1: cannot open shared object file: No such file or directory',
      /^no NVIDIA driver: libcuda\.so\.1 not found/,
      /nvidia-smi/,
    ],
    [
      'tensorflow',
      'libtensorflow.so.2: cannot open shared object file: No such file or directory',
      /its libtensorflow \(libtensorflow\.so\.2\) is missing/,
      /reinstall/,
    ],
    [
      'tensorflow',
      "The module '/x/tfjs_binding.node' was compiled against a different Node.js version using NODE_MODULE_VERSION 108.",
      /built for another Node\.js version/,
      /reinstall/,
    ],
    [
      'tensorflow',
      "@tensorflow/tfjs-node loaded but registered no 'tensorflow' backend (a second copy of tfjs-core?)",
      /registered no 'tensorflow' backend/,
      /version 4\.22\.0/,
    ],
  ];
  for (const [name, message, reason, fix] of cases) {
    const r = explainNativeFailure(name as 'tensorflow' | 'tensorflow-gpu', message);
    assert.match(r.reason, reason, message);
    assert.match(r.fix, fix, message);
  }
});

test('clusterlab doctor reads the native folder the setting names, and reports a missing cuDNN and a package that registers no backend', async () => {
  const folder = nativeFolder({
    '@tensorflow/tfjs-node-gpu': dlopenFails('libcudnn.so.8'),
    '@tensorflow/tfjs-node': 'module.exports = {};',
  });
  const r = await startCli(['doctor', '--json'], { env: { CLUSTERLAB_NATIVE_BACKEND_PATH: folder } }).done;
  assert.equal(r.code, 0, r.stderr);
  const list = JSON.parse(r.stdout) as BackendStatus[];
  assert.deepEqual(
    list.map((b) => [b.name, b.installed, b.available]),
    [
      ['tensorflow-gpu', true, false],
      ['tensorflow', true, false],
      ['wasm', true, true],
      ['cpu', true, true],
    ],
  );
  assert.match(list[0]!.reason!, /^libcudnn\.so\.8 not found: cuDNN 8\.1/);
  assert.match(list[1]!.reason!, /registered no 'tensorflow' backend/);
  assert.ok(
    list[2]!.threads! >= 1 && list[2]!.detail.startsWith(`${list[2]!.threads} thread`),
    list[2]!.detail,
  );

  const human = await startCli(['doctor'], { env: { CLUSTERLAB_NATIVE_BACKEND_PATH: folder } }).done;
  assert.equal(human.code, 0, human.stderr);
  assert.ok(human.stdout.includes(`native packages are looked for in: ${folder}`), human.stdout);
  assert.match(human.stdout, /unavailable {2}tensorflow-gpu +libcudnn\.so\.8 not found/);
  assert.match(human.stdout, /available {4}wasm +\d+ threads?/);
  assert.match(human.stdout, /auto trains on: wasm/);
  // No CUDA provider library in the npm package (its install script is skipped): the CPU, and how to get the GPU.
  assert.match(
    human.stdout,
    /\nfeature models \(ONNX\): onnxruntime-node \d+\.\d+\.\d+ on the CPU; for the GPU \(Linux x64, CUDA 12\): ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node\n/,
  );
});

test('clusterlab doctor without the native packages says where it looked; a stray argument is refused in one line', async () => {
  const empty = nativeFolder({});
  const r = await startCli(['doctor', '--json'], { env: { CLUSTERLAB_NATIVE_BACKEND_PATH: empty } }).done;
  const list = JSON.parse(r.stdout) as BackendStatus[];
  for (const b of list.slice(0, 2)) {
    assert.equal(b.installed, false);
    assert.ok(b.reason!.includes(`is not installed (looked in ${empty}`), b.reason);
  }
  const bad = await startCli(['doctor', '--gpu']).done;
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr, "clusterlab doctor: unexpected argument '--gpu' (only --json)\n");
});

test("the trainer the extension starts reads the native folder from its environment (clusterlab.nativeBackendPath) and lists the doctor's reasons", async () => {
  const folder = nativeFolder({ '@tensorflow/tfjs-node-gpu': dlopenFails('libcuda.so.1') });
  const server = forkServer({ CLUSTERLAB_NATIVE_BACKEND_PATH: folder });
  try {
    await initialize(server.conn);
    const list = await server.conn.sendRequest<BackendStatus[]>(Requests.listBackends.method, {});
    const gpu = list.find((b) => b.name === 'tensorflow-gpu')!;
    assert.equal(gpu.available, false);
    assert.match(gpu.reason!, /^no NVIDIA driver: libcuda\.so\.1 not found/);
    assert.deepEqual(
      list.filter((b) => b.available).map((b) => b.name),
      ['wasm', 'cpu'],
    );
    assert.ok(
      list.every((b) => !b.active),
      'checking starts no backend in the trainer itself',
    );
  } finally {
    await shutdown(server);
  }
});
