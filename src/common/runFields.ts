/**
 * The run fields every method shares (clusters, epochs, image size, ...) as one typed spec: type,
 * default, range, doc, and the name each side calls the field by. Pure data and checks, read by
 * the protocol's TrainConfig schema, the trainer's validateConfig and command line, the experiment
 * file, the Train Clustering wizard and package.json's settings (npm run method-docs writes them).
 * A refused value is a FieldProblem ({field, range, got}); each side words it in its own names.
 *
 * Adding a run field: its entry below (TrainConfig's type follows), then the trainer code that uses
 * it. See docs/ARCHITECTURE.md, "Adding a run field".
 */
import type { MethodSpec } from './methods/spec.js';
import { shown } from './shown.js';

/** Compute backends, fastest first: `auto` takes the first that starts. */
export const BACKEND_NAMES = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export const BACKEND_CHOICES = ['auto', ...BACKEND_NAMES] as const;
export const BACKBONE_NAMES = ['small', 'resnet18', 'resnet34'] as const;
export const COLOURS = ['rgb', 'grayscale'] as const;

export type BackendName = (typeof BACKEND_NAMES)[number];
export type BackendChoice = (typeof BACKEND_CHOICES)[number];
export type BackboneName = (typeof BACKBONE_NAMES)[number];
export type Colour = (typeof COLOURS)[number];

export interface RunFieldSpec {
  type: 'integer' | 'number' | 'choice';
  /** The TrainConfig key that holds the value. */
  config: string;
  /** A fixed default, or the method's (its spec's `defaults`). */
  default: number | string | { method: keyof MethodSpec['defaults'] };
  min?: number;
  max?: number;
  /** Strictly above min / below max (learning rates). */
  exclusiveMin?: boolean;
  exclusiveMax?: boolean;
  choices?: readonly string[];
  /** One line per choice, in the order of `choices` (package.json's enumDescriptions). */
  choiceDocs?: readonly string[];
  doc: string;
  /** Each side's name for it: the command line's flag (`--image-size`), the extension's words (`image size`). */
  flag: string;
  /** A boolean flag that picks this choice (`--grayscale`), instead of `--flag VALUE`. */
  switchFor?: string;
  /** The usage text's placeholder for the value. */
  metavar?: string;
  label: string;
  /** Its key in an experiment file, and where: the top only, or also each run and the grid; `default` when a file's differs. */
  file?: { key: string; in: 'top' | 'runs'; default?: string };
  /** The `clusterlab.<name>` setting that gives new runs' value in VS Code. */
  setting?: {
    name: string;
    description: string;
    /** 0 means the method's default (each method's is listed after the description). */ zeroIsMethods?: boolean;
  };
}

const STEPS = 100_000;

export const RUN_FIELDS = {
  clusters: {
    type: 'integer',
    config: 'clusters',
    default: 10,
    min: 2,
    max: STEPS,
    doc: 'number of clusters',
    flag: 'clusters',
    metavar: 'K',
    label: 'clusters',
    file: { key: 'clusters', in: 'runs' },
  },
  epochs: {
    type: 'integer',
    config: 'epochs',
    default: { method: 'epochs' },
    min: 1,
    max: STEPS,
    doc: 'training epochs',
    flag: 'epochs',
    metavar: 'N',
    label: 'epochs',
    file: { key: 'epochs', in: 'runs' },
  },
  imageSize: {
    type: 'integer',
    config: 'imageSize',
    default: 32,
    min: 8,
    max: 1024,
    doc: 'images are resized to this many pixels square',
    flag: 'image-size',
    metavar: 'S',
    label: 'image size',
    file: { key: 'imageSize', in: 'top' },
    setting: {
      name: 'imageSize',
      description: 'Images are resized to this many pixels square for new runs.',
    },
  },
  colour: {
    type: 'choice',
    config: 'channels',
    default: 'rgb',
    choices: COLOURS,
    doc: 'the pixels trained on, rgb or grayscale',
    flag: 'grayscale',
    switchFor: 'grayscale',
    label: 'color',
    file: { key: 'color', in: 'top' },
  },
  batch: {
    type: 'integer',
    config: 'batchSize',
    default: { method: 'batchSize' },
    min: 2,
    max: 65_536,
    doc: 'images per training step',
    flag: 'batch',
    metavar: 'B',
    label: 'batch size',
    file: { key: 'batch', in: 'runs' },
    setting: {
      name: 'batchSize',
      description: "Images per training step for new runs; 0 uses the method's own default",
      zeroIsMethods: true,
    },
  },
  seed: {
    type: 'integer',
    config: 'seed',
    default: 42,
    min: 0,
    max: 2 ** 32 - 1,
    doc: 'random seed',
    flag: 'seed',
    metavar: 'N',
    label: 'seed',
    file: { key: 'seed', in: 'runs' },
  },
  lr: {
    type: 'number',
    config: 'learningRate',
    default: { method: 'learningRate' },
    min: 0,
    max: 10,
    exclusiveMin: true,
    exclusiveMax: true,
    doc: 'learning rate',
    flag: 'lr',
    metavar: 'LR',
    label: 'learning rate',
    file: { key: 'lr', in: 'runs' },
  },
  backbone: {
    type: 'choice',
    config: 'backbone',
    default: 'small',
    choices: BACKBONE_NAMES,
    doc: 'feature network',
    flag: 'backbone',
    label: 'backbone',
    file: { key: 'backbone', in: 'top' },
  },
  backend: {
    type: 'choice',
    config: 'backend',
    default: 'auto',
    choices: BACKEND_CHOICES,
    doc: 'tfjs backend',
    choiceDocs: [
      'The fastest that starts: tfjs-node-gpu, tfjs-node, WebAssembly, plain JavaScript',
      '@tensorflow/tfjs-node-gpu (CUDA 11.2 + cuDNN 8.1), installed in clusterlab.nativeBackendPath',
      '@tensorflow/tfjs-node, installed in clusterlab.nativeBackendPath',
      'WebAssembly (bundled)',
      'Plain JavaScript (bundled, slowest)',
    ],
    flag: 'backend',
    label: 'backend',
    file: { key: 'backend', in: 'top', default: 'clusterlab.backend in VS Code, auto on the command line' },
    setting: { name: 'backend', description: 'The tfjs backend new runs train on.' },
  },
  evalEvery: {
    type: 'integer',
    config: 'evalEvery',
    default: 1,
    min: 1,
    max: STEPS,
    doc: 'score and record predictions every this many epochs (and the last)',
    flag: 'eval-every',
    metavar: 'N',
    label: 'evaluate every',
  },
} as const satisfies Record<string, RunFieldSpec>;

export type RunFieldName = keyof typeof RUN_FIELDS;

/** A field's value type in a TrainConfig: a choice's strings, channels 1 or 3, else a number. */
type ConfigValue<F> = F extends { config: 'channels' }
  ? 1 | 3
  : F extends { type: 'choice'; choices: readonly (infer C)[] }
    ? C
    : number;

/** The run fields of a TrainConfig, by their `config` keys (TrainConfig extends this). */
export type RunFieldValues = {
  -readonly [K in RunFieldName as (typeof RUN_FIELDS)[K]['config']]: ConfigValue<(typeof RUN_FIELDS)[K]>;
};
export const RUN_FIELD_NAMES = Object.keys(RUN_FIELDS) as RunFieldName[];

/** A field's spec, widened to the interface (the table itself keeps its literal types). */
export function runField(name: RunFieldName): RunFieldSpec {
  return RUN_FIELDS[name];
}

/** The colour a config's channels mean, and back. */
export const channelsOf = (c: Colour): 1 | 3 => (c === 'grayscale' ? 1 : 3);
export const colourOf = (channels: number): Colour => (channels === 1 ? 'grayscale' : 'rgb');

/** The field's default for a method: its fixed one, or the method's. */
export function fieldDefault(f: RunFieldSpec, method: MethodSpec): number | string {
  return typeof f.default === 'object' ? method.defaults[f.default.method] : f.default;
}

/** Every run field's default for a method, by its TrainConfig key (the colour as channels). */
export function runDefaults(method: MethodSpec): Record<string, number | string> {
  return Object.fromEntries(
    RUN_FIELD_NAMES.map((n) => {
      const value = fieldDefault(runField(n), method);
      return [runField(n).config, n === 'colour' ? channelsOf(value as Colour) : value];
    }),
  );
}

/** The default in words, for docs: `10`, or "the method's". */
export function defaultText(f: RunFieldSpec): string {
  return typeof f.default === 'object' ? "the method's" : String(f.default);
}

/** What a range is made of (an experiment file's own keys have ranges too). */
export type RangeSpec = Pick<
  RunFieldSpec,
  'type' | 'min' | 'max' | 'exclusiveMin' | 'exclusiveMax' | 'choices'
>;

/** "a whole number from 8 to 1024", "a number above 0 and below 10", "one of small, resnet18, resnet34". */
export function fieldRange(f: RangeSpec): string {
  if (f.type === 'choice') return `one of ${(f.choices ?? []).join(', ')}`;
  const kind = f.type === 'integer' ? 'a whole number' : 'a number';
  if (f.exclusiveMin || f.exclusiveMax) {
    return `${kind} ${f.exclusiveMin ? 'above' : 'from'} ${f.min} and ${f.exclusiveMax ? 'below' : 'at most'} ${f.max}`;
  }
  return `${kind} from ${f.min} to ${f.max}`;
}

/** Whether a value (already typed: a number, or a choice's string) is in the field's range. */
export function fitsField(f: RangeSpec, v: unknown): boolean {
  if (f.type === 'choice') return typeof v === 'string' && (f.choices ?? []).includes(v);
  if (typeof v !== 'number' || !Number.isFinite(v) || (f.type === 'integer' && !Number.isInteger(v)))
    return false;
  const aboveMin = f.min === undefined || (f.exclusiveMin ? v > f.min : v >= f.min);
  const belowMax = f.max === undefined || (f.exclusiveMax ? v < f.max : v <= f.max);
  return aboveMin && belowMax;
}

/** A refused run field: which, what it must be, and what it got. Each side words it (problemText). */
export interface FieldProblem {
  field: RunFieldName;
  range: string;
  got: unknown;
}

/** The problem with a field's value, or undefined when it fits. */
export function checkRunField(name: RunFieldName, v: unknown): FieldProblem | undefined {
  const f = runField(name);
  return fitsField(f, v) ? undefined : { field: name, range: fieldRange(f), got: v };
}

/** The names a side calls the fields by. */
export type FieldWords = 'cli' | 'extension' | 'file';

export function fieldName(name: RunFieldName, words: FieldWords): string {
  const f = runField(name);
  if (words === 'cli') return `--${f.flag}`;
  return words === 'file' ? (f.file?.key ?? name) : f.label;
}

/** `--image-size must be a whole number from 8 to 1024 (got 2000)`, in the side's names. */
export function problemText(p: FieldProblem, words: FieldWords): string {
  // The command line shows what was typed as it was typed; the others quote text, as a file would.
  const got = words === 'cli' ? String(p.got) : shown(p.got);
  return `${fieldName(p.field, words)} must be ${p.range} (got ${got})`;
}
