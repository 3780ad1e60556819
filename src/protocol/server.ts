/**
 * The trainer as a language server: the requests the extension host sends the trainer child
 * process and the notifications that come back. Each has its method name and a schema; the
 * receiver checks what arrives before acting on it. A run's progress travels as LSP work-done
 * progress on the token the host puts in the request.
 */
import type { AssignedHeader } from '../common/assignedFiles.js';
import { METHOD_NAMES } from '../common/methods/index.js';
import { RUN_FIELD_NAMES, runField, type RunFieldSpec } from '../common/runFields.js';
import { RUN_STATUSES, type BackendName, type MetricsRow, type TrainConfig } from './run.js';
import { duplicatesBy, type DuplicatesResult } from './duplicatesMessages.js';
import {
  arr,
  bool,
  check,
  int,
  num,
  obj,
  oneOf,
  opt,
  record,
  SchemaError,
  str,
  type Infer,
  type Schema,
} from './schema.js';

export interface RequestDef<P, R> {
  readonly method: string;
  readonly params: Schema<P>;
  /** Never set: carries the result type to callers. */
  readonly result?: R;
}

export interface NotificationDef<T> {
  readonly method: string;
  readonly params: Schema<T>;
}

const request = <P, R>(method: string, params: Schema<P>): RequestDef<P, R> => ({ method, params });
const notification = <T>(method: string, params: Schema<T>): NotificationDef<T> => ({ method, params });

const path = str(4096);
const methodName = oneOf(...METHOD_NAMES);
const runStatus = oneOf(...RUN_STATUSES);

const paramValue: Schema<number | string | boolean> = {
  parse: (v, p) => {
    if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'string' || typeof v === 'boolean')
      return v;
    throw new SchemaError(`${p}: expected a number, string or boolean`);
  },
};

/** A run field's type (the colour travels as channels, 1 or 3). */
function fieldSchema(f: RunFieldSpec): Schema<unknown> {
  if (f.config === 'channels') return { parse: (v, p) => (v === 1 || v === 3 ? v : failChannels(p)) };
  return f.type === 'choice' ? oneOf(...(f.choices ?? [])) : f.type === 'integer' ? int() : num;
}

/**
 * Types only, from the run fields' spec: ranges and method settings (against the method's spec)
 * are the trainer's validateConfig, whose messages say what is allowed, before a run answers started.
 */
export const trainConfigSchema = obj({
  method: methodName,
  data: path,
  ...Object.fromEntries(RUN_FIELD_NAMES.map((n) => [runField(n).config, fieldSchema(runField(n))])),
  params: record(str(100), paramValue, 200),
  features: opt(path),
}) as unknown as Schema<TrainConfig>;

function failChannels(p: string): never {
  throw new SchemaError(`${p}: expected 1 or 3`);
}

/** What every run request may add: where the pixel cache lives, and the tensor memory cap. */
const runOptions = {
  /** The trainer's default (as the command line's) when absent. */
  cacheDir: opt(path),
  /** Megabytes of tensor memory above which the run stops as failed; absent or 0: no cap. */
  memoryCapMB: opt(num),
  /** Work-done progress of the run is reported on this token. */
  workDoneToken: opt(str(200)),
};

export const defaultsParams = obj({ method: methodName, data: path });
export const trainParams = obj({
  config: trainConfigSchema,
  runsDir: path,
  /** The run's folder (inside runsDir); absent: a fresh `<method>-<time>` one. An experiment's runs have fixed folders. */
  runDir: opt(path),
  /** Recorded in run.json: the experiment file and run this one is. */
  experiment: opt(obj({ file: path, entry: str(200) })),
  ...runOptions,
});
export const resumeParams = obj({ runDir: path, epochs: opt(int()), ...runOptions });
/** A new run continuing the finished run in runDir with its labels.json moves as anchors (beside it). */
export const retrainParams = obj({ runDir: path, ...runOptions });
export const cancelParams = obj({ runId: str(300) });
export const assignParams = obj({ runDir: path, files: arr(path, 100_000) });
/** A folder of new images through a finished run, written beside it (src/common/assignedFiles.ts); overwrite: replace an earlier result. */
export const assignFolderParams = obj({
  runDir: path,
  data: path,
  overwrite: opt(bool),
  workDoneToken: opt(str(200)),
});
/** refresh: check again (after installing a package) instead of the trainer's first answer. */
export const listBackendsParams = obj({ refresh: opt(bool) });
/** Computes (or recomputes) a finished run's 2-D map from its saved features: layout.json/layout.f32. */
export const layoutParams = obj({ runDir: path, workDoneToken: opt(str(200)) });
export const planParams = obj({ config: trainConfigSchema });
/**
 * Images grouped as duplicates, as `clusterlab duplicates DIR|RUN_DIR` groups them: a finished run's
 * (dir holds run.json), or an image folder's with no run (by hash only); progress on workDoneToken.
 */
export const duplicatesParams = obj({
  dir: path,
  by: duplicatesBy,
  threshold: num,
  workDoneToken: opt(str(200)),
});

/** How a config will train: its epochs and, for methods with stages (SCAN), how they split. */
export interface RunPlan {
  epochs: number;
  stages: { name: string; epochs: number }[];
}

export interface RunStarted {
  runId: string;
  runDir: string;
}

export interface AssignedImage {
  /** As it was sent. */
  path: string;
  cluster: number;
  confidence: number;
}

export interface AssignResult {
  assignments: AssignedImage[];
  /** Files that could not be decoded, with the reason. */
  skipped: { path: string; reason: string }[];
}

export interface AssignFolderResult {
  /** The CSV written (its header beside it). */
  csv: string;
  header: AssignedHeader;
}

export interface BackendStatus {
  name: BackendName;
  /** Its package is there (it may still fail to start, e.g. without CUDA's libraries). */
  installed: boolean;
  /** It starts on this machine: a run can train on it. */
  available: boolean;
  /** The backend tfjs runs on now. */
  active: boolean;
  /** Threads when available, else the reason; one line. */
  detail: string;
  threads?: number;
  /** Why it does not start, in plain words. */
  reason?: string;
  /** What to do about it (may be several lines: commands). */
  fix?: string;
}

export type DefaultsParams = Infer<typeof defaultsParams>;
export type TrainParams = Infer<typeof trainParams>;
export type ResumeParams = Infer<typeof resumeParams>;

export const Requests = {
  /** The trainer's defaults for a method on a folder: what the host's train flow starts from. */
  defaults: request<DefaultsParams, TrainConfig>('clusterlab/defaults', defaultsParams),
  /** Starts a new run in a new folder under runsDir; answers once it is started, not finished. */
  train: request<TrainParams, RunStarted>('clusterlab/train', trainParams),
  /** Continues a run from its checkpoint, optionally to a new epoch count. */
  resume: request<ResumeParams, RunStarted>('clusterlab/resume', resumeParams),
  retrain: request<Infer<typeof retrainParams>, RunStarted>('clusterlab/retrain', retrainParams),
  /** Stops a run after its current step; it ends as cancelled (resumable). */
  cancel: request<Infer<typeof cancelParams>, { cancelled: boolean }>('clusterlab/cancel', cancelParams),
  /** Clusters of images (absolute paths) by a run's trained model. */
  assign: request<Infer<typeof assignParams>, AssignResult>('clusterlab/assign', assignParams),
  /** Every image of a folder through a finished run; refuses images of another kind than it trained on before any work. */
  assignFolder: request<Infer<typeof assignFolderParams>, AssignFolderResult>(
    'clusterlab/assignFolder',
    assignFolderParams,
  ),
  listBackends: request<Infer<typeof listBackendsParams>, BackendStatus[]>(
    'clusterlab/listBackends',
    listBackendsParams,
  ),
  /** Writes the run's layout files; progress on workDoneToken like a run's. */
  layout: request<Infer<typeof layoutParams>, { rows: number }>('clusterlab/layout', layoutParams),
  /** Exact and near-duplicate groups of a run's images (its dataset's exclusion list left out). */
  duplicates: request<Infer<typeof duplicatesParams>, DuplicatesResult>(
    'clusterlab/duplicates',
    duplicatesParams,
  ),
  /** The config resolved as a run would resolve it (SCAN's stage lengths), for the wizard's review. */
  plan: request<Infer<typeof planParams>, RunPlan>('clusterlab/plan', planParams),
} as const;

/** metrics.jsonl rows carry method-specific fields, so only the common ones are checked. */
const metricsRow: Schema<MetricsRow> = {
  parse: (v, p) => {
    check(obj({ epoch: int(0), loss: num, imgPerSec: num }), pick(v, ['epoch', 'loss', 'imgPerSec'], p));
    return v as MetricsRow;
  },
};

function pick(v: unknown, keys: string[], p: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new SchemaError(`${p}: expected an object`);
  return Object.fromEntries(keys.map((k) => [k, (v as Record<string, unknown>)[k]]));
}

export const epochNotice = obj({ runId: str(300), runDir: path, row: metricsRow });
export const runEndedNotice = obj({
  runId: str(300),
  runDir: path,
  status: runStatus,
  /** Last finished epoch. */
  epoch: int(0),
  error: opt(str(10_000)),
  acc: opt(num),
  /** Failed to start, untouched: another live trainer holds the run's lock (a sweep waits for it). */
  locked: opt(bool),
});
export type EpochNotice = Infer<typeof epochNotice>;
export type RunEndedNotice = Infer<typeof runEndedNotice>;

export const Notifications = {
  /** After every epoch: its metrics.jsonl row. */
  epoch: notification<EpochNotice>('clusterlab/epoch', epochNotice),
  /** A run finished, failed or was cancelled (also a run that failed before its folder existed). */
  runEnded: notification<RunEndedNotice>('clusterlab/runEnded', runEndedNotice),
} as const;

/** LSP work-done progress values, as the trainer sends them ($/progress). */
export type WorkDoneValue =
  | { kind: 'begin'; title: string; percentage?: number; message?: string; cancellable?: boolean }
  | { kind: 'report'; percentage?: number; message?: string }
  | { kind: 'end'; message?: string };
