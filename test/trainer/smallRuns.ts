import type { MethodName } from '../../src/common/methods/index.js';

/**
 * Per method, the smallest CLI run that trains every stage the method has, for the tests that run
 * every method (they loop over METHOD_NAMES and take a method's arguments here, as timm's tests loop
 * over list_models()). A method without an entry does not typecheck.
 */
export interface SmallRun {
  method: MethodName;
  epochs: number;
  /** Further CLI arguments (method --param settings). */
  extra?: string[];
}

const param = (...settings: string[]) => settings.flatMap((s) => ['--param', s]);

export const SMALL_RUNS: Record<MethodName, SmallRun> = {
  cc: { method: 'cc', epochs: 2 },
  // Three epochs: one per SCAN stage, so a resume crosses stage boundaries; small heads and kNN.
  scan: { method: 'scan', epochs: 3, extra: param('heads=2', 'neighbours=5', 'scanBatch=16') },
  deepcluster: { method: 'deepcluster', epochs: 1 },
  kmeans: { method: 'kmeans', epochs: 1, extra: param('restarts=2') },
  // One epoch of the SCAN loss, one of self-labeling.
  scanhead: { method: 'scanhead', epochs: 2, extra: param('heads=2', 'neighbours=5', 'selflabelEpochs=1') },
  temi: { method: 'temi', epochs: 1, extra: param('heads=2', 'neighbours=5') },
};

/** `clusterlab train` arguments for a new run: 10 clusters, 16 px, batch 32, on wasm (the backend every machine has). */
export function trainArgs(run: SmallRun, data: string, cache: string, out: string): string[] {
  return [
    'train',
    '--method',
    run.method,
    '--data',
    data,
    '--clusters',
    '10',
    '--image-size',
    '16',
    '--batch',
    '32',
    '--epochs',
    String(run.epochs),
    '--backend',
    'wasm',
    '--cache',
    cache,
    '--out',
    out,
    ...(run.extra ?? []),
  ];
}
