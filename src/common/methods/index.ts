/** Stand-in for the `specs` branch's method specs (contracts.md): same exports, the current settings. */
import type { MethodName } from '../../protocol/run.js';
import type { MethodSpec, SettingSpec } from './spec.js';

const num = (d: number, min: number, max: number, doc: string, paper?: SettingSpec['paper']): SettingSpec => ({ type: 'number', default: d, min, max, doc, ...(paper ? { paper } : {}) });
const int = (d: number, min: number, max: number, doc: string, paper?: SettingSpec['paper']): SettingSpec => ({ type: 'integer', default: d, min, max, doc, ...(paper ? { paper } : {}) });
const choice = (d: string, choices: string[], doc: string, paper?: SettingSpec['paper']): SettingSpec => ({ type: 'choice', default: d, choices, doc, ...(paper ? { paper } : {}) });
const bool = (d: boolean, doc: string): SettingSpec => ({ type: 'boolean', default: d, doc });

export const METHOD_SPECS: Record<MethodName, MethodSpec> = {
  cc: {
    name: 'cc',
    label: 'CC',
    description: 'Contrastive Clustering',
    defaults: { epochs: 24, batchSize: 128, learningRate: 1e-3 },
    settings: {
      instanceTemperature: num(0.5, 0.01, 10, 'NT-Xent temperature of the instance head'),
      clusterTemperature: num(1, 0.01, 10, 'NT-Xent temperature of the cluster head'),
      cropMin: num(0.08, 0.01, 1, 'smallest random crop, as a fraction of the image'),
      blur: num(0.5, 0, 1, 'probability of a Gaussian blur'),
      schedule: choice('cosine', ['cosine', 'constant'], 'learning-rate schedule', { value: 'constant', why: 'a CPU run is a few hundred steps' }),
    },
  },
  scan: {
    name: 'scan',
    label: 'SCAN',
    description: 'SCAN: pretext, nearest-neighbour consistency, self-labeling',
    defaults: { epochs: 18, batchSize: 256, learningRate: 1e-4 },
    settings: {
      jitter: num(1, 0, 2.5, 'pretext colour jitter strength', { value: 0.5, why: 'grey levels split the clusters' }),
      neighbours: int(20, 1, 1000, 'neighbours mined per image'),
      mineOn: choice('backbone', ['backbone', 'projection'], 'features the neighbours are mined on', { value: 'projection', why: 'better neighbours after a short pretext' }),
      heads: int(10, 1, 100, 'clustering heads trained side by side'),
      entropyWeight: num(5, 0, 100, 'weight of the entropy term'),
      threshold: num(0.99, 0, 1, 'self-labeling confidence threshold'),
      scanOps: int(0, 0, 14, 'strong ops in the SCAN stage', { value: 4, why: 'too little in common on 28 px images' }),
      strongOps: int(4, 0, 14, 'strong ops in self-labeling'),
      weightDecay: num(1e-4, 0, 1, 'weight decay'),
      headOnly: bool(false, 'train only the heads in the SCAN stage'),
      schedule: choice('constant', ['constant', 'cosine'], 'pretext learning-rate schedule'),
      pretextLr: num(3e-4, 1e-7, 10, 'pretext learning rate'),
      scanLr: num(1e-3, 1e-7, 10, 'SCAN-stage learning rate', { value: 1e-4, why: 'heads stay uniform in a few hundred steps' }),
      scanBatch: int(128, 1, 65536, 'SCAN-stage batch size'),
      selflabelBatch: int(256, 1, 65536, 'self-labeling batch size', { value: 1000, why: 'CPU memory' }),
      pretextEpochs: int(6, 0, 100000, 'pretext epochs (default: a share of --epochs)'),
      scanEpochs: int(10, 0, 100000, 'SCAN-stage epochs (default: a share of --epochs)'),
      selflabelEpochs: int(2, 0, 100000, 'self-labeling epochs (default: a share of --epochs)'),
    },
  },
  deepcluster: {
    name: 'deepcluster',
    label: 'DeepCluster',
    description: 'DeepCluster: k-means pseudo-labels',
    defaults: { epochs: 20, batchSize: 256, learningRate: 0.05 },
    settings: {
      weightDecay: num(1e-5, 0, 1, 'weight decay'),
      momentum: num(0.9, 0, 1, 'SGD momentum'),
      pcaDim: int(32, 1, 4096, 'PCA dimensions before k-means (default min(256, features/8))', { value: 256, why: 'k-means follows noise' }),
      balance: choice('uniform', ['uniform', 'weighted'], 'how pseudo-labels are balanced'),
      sobel: bool(false, 'Sobel filter on the input'),
      restarts: int(1, 1, 100, 'k-means restarts'),
      kmeansIters: int(20, 1, 1000, 'k-means iterations'),
    },
  },
};

export const METHOD_NAMES = Object.keys(METHOD_SPECS) as MethodName[];

export function methodSpec(name: string): MethodSpec | undefined {
  return Object.hasOwn(METHOD_SPECS, name) ? METHOD_SPECS[name as MethodName] : undefined;
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length]!;
}

export function nearestName(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const c of candidates) {
    const dist = distance(name, c);
    if (dist < bestD) [best, bestD] = [c, dist];
  }
  return best;
}

export function checkSetting(spec: MethodSpec, key: string, value: unknown): { ok: true; value: number | string | boolean } | { ok: false; error: string } {
  const s = Object.hasOwn(spec.settings, key) ? spec.settings[key] : undefined;
  if (!s) {
    const near = nearestName(key, Object.keys(spec.settings));
    return { ok: false, error: `unknown setting '${key}' for ${spec.name}${near ? `; did you mean '${near}'?` : ''}` };
  }
  const bad = (what: string) => ({ ok: false as const, error: `${spec.name} setting ${key} must be ${what} (got ${String(value)})` });
  if (s.type === 'boolean') return typeof value === 'boolean' ? { ok: true, value } : bad('true or false');
  if (s.type === 'choice') return typeof value === 'string' && s.choices!.includes(value) ? { ok: true, value } : bad(`one of ${s.choices!.join(', ')}`);
  const kind = s.type === 'integer' ? 'a whole number' : 'a number';
  const range = `${kind} from ${s.min} to ${s.max}`;
  if (typeof value !== 'number' || !Number.isFinite(value) || (s.type === 'integer' && !Number.isInteger(value))) return bad(range);
  if ((s.min !== undefined && value < s.min) || (s.max !== undefined && value > s.max)) return bad(range);
  return { ok: true, value };
}

export function parseSettings(spec: MethodSpec, raw: Record<string, unknown>): { settings: Record<string, number | string | boolean>; errors: { key: string; error: string }[] } {
  const settings: Record<string, number | string | boolean> = Object.fromEntries(Object.entries(spec.settings).map(([k, s]) => [k, s.default]));
  const errors: { key: string; error: string }[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const r = checkSetting(spec, key, value);
    if (r.ok) settings[key] = r.value;
    else errors.push({ key, error: r.error });
  }
  return { settings, errors };
}
