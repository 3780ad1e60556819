// Which compute backends this machine can train on, and for each that cannot, why in plain words
// and what fixes it. It starts the backends, so it runs in a process of its own (`clusterlab
// doctor`): starting one makes it tfjs's current backend, which a training process must not have
// switched under it.
import { arch, platform } from 'node:os';
import { BACKEND_NAMES } from '../../common/runFields.js';
import type { BackendStatus } from '../../protocol/server.js';
import { initBackend } from './index.js';
import { NATIVE_PACKAGES, nativeSearchRoots, type NativeName } from './native.js';

/** The native version that matches our bundled tfjs-core; tfjs-node-gpu 4.x is built on these. */
export const TFJS_VERSION = '4.22.0';
export const CUDA_NEEDED = 'CUDA 11.2 and cuDNN 8.1';
const GPU_PLATFORMS = ['linux-x64', 'win32-x64'];

/** The libraries libtensorflow 2.9 (tfjs-node-gpu 4.22) opens, and what each one is. */
const CUDA_LIBS: [RegExp, string][] = [
  [/libcuda\.so|nvcuda\.dll/, 'the NVIDIA driver'],
  [/libcudart|cudart64/, `the CUDA runtime (part of ${CUDA_NEEDED})`],
  [/libcublas|cublas64|libcublasLt/, 'cuBLAS (part of CUDA 11.2)'],
  [/libcudnn|cudnn64/, 'cuDNN 8.1'],
  [
    /libcufft|libcurand|libcusolver|libcusparse|cufft64|curand64|cusolver64|cusparse64/,
    'a CUDA 11.2 math library',
  ],
];

/** How to make a folder ClusterLab loads a native package from (the setting or the environment variable). */
export function installCommands(pkg: string): string {
  return [
    'mkdir -p ~/clusterlab-native && cd ~/clusterlab-native',
    'npm init -y >/dev/null',
    `npm install ${pkg}@${TFJS_VERSION}`,
    '# then set clusterlab.nativeBackendPath to ~/clusterlab-native (or export CLUSTERLAB_NATIVE_BACKEND_PATH=~/clusterlab-native)',
  ].join('\n');
}

/** A native package's load failure as a reason a user can act on, with the fix. */
export function explainNativeFailure(name: NativeName, message: string): { reason: string; fix: string } {
  const pkg = NATIVE_PACKAGES[name];
  const where = nativeSearchRoots().join(', ');
  if (message === 'not installed') {
    return { reason: `${pkg} is not installed (looked in ${where})`, fix: installCommands(pkg) };
  }
  const lib = /([\w.+-]+\.(?:so(?:\.[\d.]+)?|dll|dylib))\b/.exec(message)?.[1];
  if (
    lib &&
    /cannot open shared object|not found|could not be found|Library not loaded|specified module could not be found/i.test(
      message,
    )
  ) {
    if (/libtensorflow|tensorflow\.dll/.test(lib)) {
      return {
        reason: `${pkg} is installed but its libtensorflow (${lib}) is missing: the package downloads it when installed, and that download failed`,
        fix: `reinstall it on a machine that can reach the libtensorflow download:\n${installCommands(pkg)}`,
      };
    }
    const what = CUDA_LIBS.find(([re]) => re.test(lib))?.[1];
    if (what === 'the NVIDIA driver') {
      return {
        reason: `no NVIDIA driver: ${lib} not found`,
        fix: 'install the NVIDIA driver for your GPU (any driver that supports CUDA 11.2 or newer, CUDA 12 drivers included), then check with nvidia-smi',
      };
    }
    if (what) {
      return {
        reason: `${lib} not found: ${what}. ${pkg} ${TFJS_VERSION} needs exactly ${CUDA_NEEDED} runtime libraries`,
        fix: `install the ${CUDA_NEEDED} runtime libraries and put their folder on LD_LIBRARY_PATH (PATH on Windows). A newer driver (CUDA 12) still runs them: the driver is backward compatible, the runtime libraries are what must be 11.x. Or use .devcontainer/gpu (Docker with the NVIDIA runtime).`,
      };
    }
    return {
      reason: `${pkg} cannot load ${lib}: ${message}`,
      fix: `install the library that provides ${lib}, or reinstall ${pkg}`,
    };
  }
  if (/NODE_MODULE_VERSION|was compiled against a different Node\.js version/.test(message)) {
    return {
      reason: `${pkg} was built for another Node.js version`,
      fix: `reinstall it with the Node.js that runs ClusterLab (${process.version}):\n${installCommands(pkg)}`,
    };
  }
  if (/registered no 'tensorflow' backend|failed to initialise/.test(message)) {
    return {
      reason: message,
      fix: `${pkg} must be version ${TFJS_VERSION}, matching ClusterLab's tfjs:\n${installCommands(pkg)}`,
    };
  }
  return { reason: message, fix: installCommands(pkg) };
}

/** Every backend of the ladder, fastest first: whether it starts here, and if not, why and how to fix it. */
export async function checkBackends(): Promise<BackendStatus[]> {
  const here = `${platform()}-${arch()}`;
  const out: BackendStatus[] = [];
  for (const name of BACKEND_NAMES) {
    if (name === 'tensorflow-gpu' && !GPU_PLATFORMS.includes(here)) {
      out.push({
        name,
        installed: false,
        available: false,
        active: false,
        detail: `not for ${here}`,
        reason: `${NATIVE_PACKAGES[name]} runs on ${GPU_PLATFORMS.join(' and ')} only, not ${here}`,
        fix: 'train on a Linux or Windows x64 machine with an NVIDIA GPU (Remote-SSH, a Dev Container or WSL: see the README)',
      });
      continue;
    }
    try {
      // The wasm backend says here why it runs on fewer threads than cores, if it does.
      const notes: string[] = [];
      const info = await initBackend(
        name,
        (line) => line.startsWith(`${name}: `) && notes.push(line.slice(name.length + 2)),
      );
      const threads = `${info.threads} thread${info.threads === 1 ? '' : 's'}`;
      out.push({
        name,
        installed: true,
        available: true,
        active: false,
        threads: info.threads,
        detail: [threads, ...notes].join('; '),
      });
    } catch (e) {
      const message = ((e as Error).message ?? String(e)).replace(
        /^backend \S+( \([^)]*\))? is unavailable: /,
        '',
      );
      if (name === 'tensorflow-gpu' || name === 'tensorflow') {
        const { reason, fix } = explainNativeFailure(name, message);
        out.push({
          name,
          installed: message !== 'not installed',
          available: false,
          active: false,
          detail: reason,
          reason,
          fix,
        });
      } else {
        out.push({
          name,
          installed: true,
          available: false,
          active: false,
          detail: message,
          reason: message,
        });
      }
    }
  }
  return out;
}
