// ONNX feature models on onnxruntime-node: the CUDA execution provider when its library is
// installed and a GPU takes it, else the CPU provider (its binaries ship in the npm package).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as Ort from 'onnxruntime-node';
import type { FeatureModel } from './featureModel.js';
import { unreadable } from './featureModel.js';

type OrtModule = typeof Ort;

/** The CUDA provider library onnxruntime-node loads for 'cuda', absent unless installed with ONNXRUNTIME_NODE_INSTALL=cuda12. */
export function cudaProviderLibrary(): string | undefined {
  try {
    const pkg = createRequire(import.meta.url).resolve('onnxruntime-node/package.json');
    const lib =
      process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
    const path = join(dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch, lib);
    return existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

/** `clusterlab doctor`'s line about feature models: where an ONNX model would run, and how to get the GPU. */
export async function onnxRuntimeStatus(): Promise<string> {
  let version: string;
  try {
    version = (createRequire(import.meta.url)('onnxruntime-node/package.json') as { version: string })
      .version;
    await loadOrt();
  } catch (e) {
    return `feature models (ONNX): onnxruntime-node does not load here (${(e as Error).message.split('\n')[0]}); TF.js model.json files still run on the backend above`;
  }
  const cuda = cudaProviderLibrary();
  return cuda
    ? `feature models (ONNX): onnxruntime-node ${version}, CUDA provider installed (${cuda}): used when a GPU with CUDA 12 and cuDNN 9 takes it, else the CPU`
    : `feature models (ONNX): onnxruntime-node ${version} on the CPU; for the GPU (Linux x64, CUDA 12): ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node`;
}

export async function loadOrt(): Promise<OrtModule> {
  return (await import('onnxruntime-node')) as OrtModule;
}

export async function openOnnxModel(file: string, log: (line: string) => void): Promise<FeatureModel> {
  const ort = await loadOrt();
  let session: Ort.InferenceSession | undefined;
  let device = 'onnxruntime cpu';
  if (cudaProviderLibrary()) {
    try {
      session = await ort.InferenceSession.create(file, { executionProviders: ['cuda'] });
      device = 'onnxruntime cuda';
    } catch (e) {
      log(
        `feature model: the CUDA provider did not start (${(e as Error).message.split('\n')[0]}); running on the CPU`,
      );
    }
  }
  try {
    session ??= await ort.InferenceSession.create(file, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
    });
  } catch (e) {
    throw unreadable(file, e);
  }
  const s = session;
  const meta = (m: readonly Ort.InferenceSession.ValueMetadata[]) =>
    m.map((v) => ({ name: v.name, shape: v.isTensor ? v.shape : [] }));
  return {
    file,
    kind: 'onnx',
    signature: { inputs: meta(s.inputMetadata), outputs: meta(s.outputMetadata) },
    device,
    files: [file],
    async run(input, n, prep) {
      const dims = prep.layout === 'NCHW' ? [n, 3, prep.size, prep.size] : [n, prep.size, prep.size, 3];
      const out = await s.run({ [prep.input]: new ort.Tensor('float32', input, dims) }, [prep.output]);
      const t = out[prep.output]!;
      if (t.type !== 'float32') throw new Error(`${file}: output ${prep.output} is ${t.type}, not float32`);
      return { data: t.data as Float32Array, shape: [...t.dims] };
    },
    dispose: () => s.release(),
  };
}
