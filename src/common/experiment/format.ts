/**
 * The experiment file (`*.clusterlab.yaml`) as types: what parse.ts reads from the YAML, what
 * grid.ts expands it to, and where in the text each part came from (offsets, for diagnostics).
 */
import type { BackendChoice, MethodName, TrainConfig } from '../../protocol/run.js';

export const EXPERIMENT_SUFFIX = '.clusterlab.yaml';
/**
 * A longer experiment file is refused before it is parsed (hand-written ones are a few KB; parsing
 * holds the language server's one thread). Characters as the editor sends them; bytes on disk.
 */
export const EXPERIMENT_MAX_CHARS = 64 * 1024;

/** `300000 bytes, more than ...`: why a file is refused for its size. */
export function tooLong(size: number, unit: 'characters' | 'bytes'): string {
  return `${size} ${unit} long, more than the ${EXPERIMENT_MAX_CHARS} an experiment file may be`;
}

/** A grid or run list that expands to more runs than this is refused unless `maxRuns` says more. */
export const DEFAULT_MAX_RUNS = 100;

/** A range of the file's text: [start, end) offsets. */
export interface Span {
  start: number;
  end: number;
}

export interface ExperimentProblem {
  message: string;
  span: Span;
  severity: 'error' | 'warning';
}

/** One run an experiment expands to. */
export interface ExperimentRun {
  /** Unique within the experiment; also the last part of its run folder's name. */
  name: string;
  config: TrainConfig;
  /** Where it was written: a `runs` item, or the grid that made it. */
  span: Span;
  from: 'runs' | 'grid';
  /** Where its `name:` was written (a bad name is reported there). */
  nameSpan?: Span;
  /** Where its cluster count was written (clusters > images is reported there). */
  clustersSpan?: Span;
}

export interface Experiment {
  /** The file's absolute path. */
  file: string;
  /** `name:`, else the file name without `.clusterlab.yaml`. */
  name: string;
  /** The dataset folder, absolute (written relative to the file, or absolute). */
  data?: string;
  dataSpan?: Span;
  /** The feature model file, absolute (written relative to the file, or absolute). */
  features?: string;
  featuresSpan?: Span;
  /** Absent: the trainer's (CLI) or the window's (clusterlab.backend) choice. */
  backend?: BackendChoice;
  runs: ExperimentRun[];
  /** Runs the file asks for before the maxRuns cut (runs over it are not in `runs`). */
  expandsTo: number;
  problems: ExperimentProblem[];
  gridSpan?: Span;
}

/** Run fields' values as a file gives them (by TrainConfig key): the rest are their defaults. */
export type RunFieldValues = Partial<Omit<TrainConfig, 'method' | 'data' | 'params' | 'features'>>;

/** What every run of an experiment shares unless a run or the grid says otherwise. */
export type SharedFields = RunFieldValues;

export type { MethodName };

/** True for a path named like an experiment file. */
export function isExperimentFile(path: string): boolean {
  return path.endsWith(EXPERIMENT_SUFFIX);
}
