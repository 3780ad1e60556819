/**
 * Every key an experiment file may hold, with its type, range and one-line doc: the parser checks
 * values against it, and the language server offers and explains the keys from it.
 */
export interface FieldSpec {
  doc: string;
  type: 'string' | 'integer' | 'number' | 'choice' | 'boolean' | 'list' | 'map';
  min?: number;
  max?: number;
  /** Strictly above min (learning rates). */
  exclusiveMin?: boolean;
  choices?: readonly string[];
  /** In the grid: a single value or a list of them. */
  listOk?: boolean;
}

const COMMON_RUN: Record<string, FieldSpec> = {
  clusters: { type: 'integer', min: 2, max: 100_000, doc: 'number of clusters (default 10)' },
  epochs: { type: 'integer', min: 1, max: 100_000, doc: "training epochs (default: the method's)" },
  seed: { type: 'integer', min: 0, max: 2 ** 32 - 1, doc: 'random seed (default 42)' },
  batch: { type: 'integer', min: 2, max: 65_536, doc: "images per training step (default: the method's)" },
  lr: { type: 'number', min: 0, max: 10, exclusiveMin: true, doc: "learning rate (default: the method's)" },
};

export const TOP_FIELDS: Record<string, FieldSpec> = {
  name: { type: 'string', doc: 'the experiment\'s name: run folders are named "<name>-<run>" (default: the file name)' },
  data: { type: 'string', doc: 'the image folder, relative to this file or absolute' },
  imageSize: { type: 'integer', min: 8, max: 1024, doc: 'images are resized to this many pixels square (default 32)' },
  color: { type: 'choice', choices: ['rgb', 'grayscale'], doc: 'rgb (default) or grayscale' },
  backbone: { type: 'choice', choices: ['small', 'resnet18', 'resnet34'], doc: 'feature network (default small)' },
  features: { type: 'string', doc: "a feature model file (.onnx or a TF.js model.json), relative to this file or absolute: embedding methods cluster its embeddings" },
  backend: { type: 'choice', choices: ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'], doc: 'tfjs backend (default: clusterlab.backend in VS Code, auto on the command line)' },
  maxRuns: { type: 'integer', min: 1, max: 100_000, doc: 'refuse a file that expands to more runs than this (default 100)' },
  ...COMMON_RUN,
  runs: { type: 'list', doc: 'runs, one by one: each a method and its settings' },
  grid: { type: 'map', doc: 'methods x clusters x seeds x setting values, expanded to one run each' },
};

export const RUN_FIELDS: Record<string, FieldSpec> = {
  name: { type: 'string', doc: 'the run\'s name in the experiment (default "<method>-<n>")' },
  method: { type: 'choice', choices: [], doc: 'cc, scan or deepcluster' },
  ...COMMON_RUN,
  settings: { type: 'map', doc: 'method settings (the `--param` of the command line)' },
};

export const GRID_FIELDS: Record<string, FieldSpec> = {
  methods: { type: 'list', doc: 'methods to train, each through the whole grid' },
  clusters: { ...COMMON_RUN.clusters!, listOk: true, doc: 'cluster counts: one or a list' },
  seeds: { ...COMMON_RUN.seed!, listOk: true, doc: 'seeds: one or a list' },
  epochs: COMMON_RUN.epochs!,
  batch: COMMON_RUN.batch!,
  lr: COMMON_RUN.lr!,
  settings: { type: 'map', doc: 'method settings, each one value or a list; a setting varies only the methods that have it' },
};

/** "a whole number from 2 to 100000", for messages. */
export function describeRange(f: FieldSpec): string {
  if (f.type === 'choice') return `one of ${f.choices!.join(', ')}`;
  if (f.type === 'boolean') return 'true or false';
  if (f.type === 'string') return 'a string';
  if (f.type === 'list') return 'a list';
  if (f.type === 'map') return 'a map of keys to values';
  const kind = f.type === 'integer' ? 'a whole number' : 'a number';
  if (f.exclusiveMin) return `${kind} above ${f.min} and at most ${f.max}`;
  return `${kind} from ${f.min} to ${f.max}`;
}

/** Whether a scalar fits the field (lists and maps are checked by the parser). */
export function fits(f: FieldSpec, v: unknown): boolean {
  switch (f.type) {
    case 'string':
      return typeof v === 'string' && v.length > 0;
    case 'boolean':
      return typeof v === 'boolean';
    case 'choice':
      return typeof v === 'string' && f.choices!.includes(v);
    case 'integer':
    case 'number': {
      if (typeof v !== 'number' || !Number.isFinite(v) || (f.type === 'integer' && !Number.isInteger(v))) return false;
      const aboveMin = f.exclusiveMin ? v > f.min! : v >= f.min!;
      return aboveMin && v <= f.max!;
    }
    default:
      return false;
  }
}
