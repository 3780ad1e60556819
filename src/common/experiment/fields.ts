/**
 * Every key an experiment file may hold, with its type, range and one-line doc: the parser checks
 * values against it, and the language server offers and explains the keys from it. The run fields
 * among them (clusters, imageSize, ...) come from their spec, src/common/runFields.ts.
 */
import {
  fieldRange,
  fitsField,
  RUN_FIELD_NAMES,
  runField,
  type RangeSpec,
  type RunFieldName,
} from '../runFields.js';
import { defined } from './grid.js';

export interface FieldSpec {
  doc: string;
  type: 'string' | 'integer' | 'number' | 'choice' | 'boolean' | 'list' | 'map';
  min?: number;
  max?: number;
  /** Strictly above min / below max (learning rates). */
  exclusiveMin?: boolean;
  exclusiveMax?: boolean;
  choices?: readonly string[];
  /** In the grid: a single value or a list of them. */
  listOk?: boolean;
}

/** A run field as the file writes it: its key, range and doc with the default it gets in a file. */
function fileField(name: RunFieldName): [string, FieldSpec] {
  const f = runField(name);
  const { type, min, max, exclusiveMin, exclusiveMax, choices } = f;
  const given =
    typeof f.default === 'object'
      ? ": the method's"
      : f.file?.default
        ? `: ${f.file.default}`
        : ` ${f.default}`;
  const spec = {
    type,
    doc: `${f.doc} (default${given})`,
    ...defined({ min, max, exclusiveMin, exclusiveMax, choices }),
  };
  return [f.file?.key ?? name, spec];
}

const inFile = (where: 'top' | 'runs') => RUN_FIELD_NAMES.filter((n) => runField(n).file?.in === where);
/** The run fields a run (and the grid) may give its own value of; the others are the file's alone. */
export const PER_RUN_FIELDS: readonly RunFieldName[] = inFile('runs');
/** The run fields only the top of a file gives (they are the same for all its runs). */
export const TOP_ONLY_FIELDS: readonly RunFieldName[] = inFile('top');

const COMMON_RUN: Record<string, FieldSpec> = Object.fromEntries(PER_RUN_FIELDS.map(fileField));

export const TOP_FIELDS: Record<string, FieldSpec> = {
  name: {
    type: 'string',
    doc: 'the experiment\'s name: run folders are named "<name>-<run>" (default: the file name)',
  },
  data: { type: 'string', doc: 'the image folder, relative to this file or absolute' },
  ...Object.fromEntries(TOP_ONLY_FIELDS.map(fileField)),
  features: {
    type: 'string',
    doc: 'a feature model file (.onnx or a TF.js model.json), relative to this file or absolute: embedding methods cluster its embeddings',
  },
  maxRuns: {
    type: 'integer',
    min: 1,
    max: 100_000,
    doc: 'refuse a file that expands to more runs than this (default 100)',
  },
  ...COMMON_RUN,
  runs: { type: 'list', doc: 'runs, one by one: each a method and its settings' },
  grid: { type: 'map', doc: 'methods x clusters x seeds x setting values, expanded to one run each' },
};

export const RUN_ENTRY_FIELDS: Record<string, FieldSpec> = {
  name: { type: 'string', doc: 'the run\'s name in the experiment (default "<method>-<n>")' },
  method: { type: 'choice', choices: [], doc: 'cc, scan or deepcluster' },
  ...COMMON_RUN,
  settings: { type: 'map', doc: 'method settings (the `--param` of the command line)' },
};

/** The grid's axes (clusters and seeds, one value or a list) and the other per-run fields, one value each. */
const { clusters, seed, ...oneValue } = COMMON_RUN;
export const GRID_FIELDS: Record<string, FieldSpec> = {
  methods: { type: 'list', doc: 'methods to train, each through the whole grid' },
  clusters: { ...clusters!, listOk: true, doc: 'cluster counts: one or a list' },
  seeds: { ...seed!, listOk: true, doc: 'seeds: one or a list' },
  ...oneValue,
  settings: {
    type: 'map',
    doc: 'method settings, each one value or a list; a setting varies only the methods that have it',
  },
};

/** "a whole number from 2 to 100000", for messages. */
export function describeRange(f: FieldSpec): string {
  if (f.type === 'boolean') return 'true or false';
  if (f.type === 'string') return 'a string';
  if (f.type === 'list') return 'a list';
  if (f.type === 'map') return 'a map of keys to values';
  return fieldRange(f as RangeSpec);
}

/** Whether a scalar fits the field (lists and maps are checked by the parser). */
export function fits(f: FieldSpec, v: unknown): boolean {
  switch (f.type) {
    case 'string':
      return typeof v === 'string' && v.length > 0;
    case 'boolean':
      return typeof v === 'boolean';
    case 'choice':
    case 'integer':
    case 'number':
      return fitsField(f as RangeSpec, v);
    default:
      return false;
  }
}
