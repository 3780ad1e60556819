/**
 * What a clustering method is to everything but its trainer: its name, label, defaults and every
 * setting with type, range and doc. Pure data (no tfjs), read by the command line, the trainer's
 * checks, the language server, the extension's quick picks, package.json's and the README's tests.
 */
import type { MethodName } from './index.js';

export interface SettingSpec {
  type: 'number' | 'integer' | 'boolean' | 'choice';
  /**
   * The value a run gets when the setting is not given. A setting with `derived` has no fixed
   * default: this is its value in the method's default run, and the trainer derives it instead.
   */
  default: number | string | boolean;
  min?: number;
  max?: number;
  choices?: readonly string[];
  unit?: string;
  doc: string;
  /** The paper's (or its official code's) value where ours differs, and why in a word or a README anchor. */
  paper?: { value: number | string | boolean; why: string };
  /** How the trainer derives the value when it is not given (parseSettings leaves it out). */
  derived?: string;
}

/** A metrics.jsonl column as the charts name and draw it. */
export interface SeriesSpec {
  /** The name a person reads, with its unit: "Kept head (index)". */
  label: string;
  /** A fraction is drawn on a 0..1 axis; an index as steps with whole-number ticks. */
  kind?: 'fraction' | 'index';
}

/** One stage of a method's training: the `phase` its metrics rows carry, and the name people read. */
export interface StageSpec {
  phase: string;
  name: string;
}

/**
 * What a finished run's rows of one stage say the user should look at: a row of `phase` whose
 * `column` equals `equals` gives the warning `says`.
 */
export interface StageWarning {
  phase: string;
  column: string;
  equals: number;
  says: string;
}

export interface MethodSpec {
  name: MethodName;
  label: string;
  description: string;
  /**
   * What the method clusters: the images themselves (trained from scratch; the default), or one
   * embedding per image (a feature model's, or the flattened pixels without one), on which it
   * trains only small heads.
   */
  input?: 'images' | 'embeddings';
  /** The paper the method follows, as a short citation. */
  paper?: string;
  defaults: { epochs: number; batchSize: number; learningRate: number };
  settings: Record<string, SettingSpec>;
  /** Its stages in training order, for a method whose rows change phase (charts, progress, the wizard's plan). */
  stages?: readonly StageSpec[];
  /** Its loss terms (metrics.jsonl `terms`) as the charts name them; weight decay is every method's (metricLabels.ts). */
  terms: Record<string, string>;
  /** Its own metrics.jsonl columns (an epoch's `extra`). */
  metrics?: Record<string, SeriesSpec>;
  warnings?: readonly StageWarning[];
  /**
   * How a retrain takes the user's corrections as anchors (absent: it takes none): `where` in the
   * method they act; `stage`, the stage that must have been trained (a name in its `stages`
   * setting); `epochsSetting`, the setting that counts a retrain's extra epochs (a staged method's
   * epochs past its stages belong to its last).
   */
  corrections?: { where: string; stage?: string; epochsSetting?: string };
}

/** The value type a setting spec gives: a choice's own strings, a boolean, or a number. */
export type SettingValue<S extends SettingSpec> = S extends { type: 'choice'; choices: readonly (infer C)[] }
  ? C
  : S extends { type: 'boolean' }
    ? boolean
    : number;

/** A method's settings as typed values (a derived setting may be absent: the trainer derives it). */
export type SettingsOf<M extends MethodSpec> = {
  readonly [K in keyof M['settings']]: M['settings'][K] extends { derived: string }
    ? SettingValue<M['settings'][K]> | undefined
    : SettingValue<M['settings'][K]>;
};
