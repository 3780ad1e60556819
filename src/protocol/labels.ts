/**
 * labels.json in a run folder: the user's edits on top of the trained clusters. Training never
 * writes it; the effective assignment is assignments.csv with these edits applied
 * (src/common/labels.ts). Read as untrusted input: a hand-edited or foreign file is refused with
 * the path of its first bad field rather than half applied.
 */
import { SchemaError, arr, check, int, lit, obj, record, str, type Infer } from './schema.js';

export const LABELS_FILE = 'labels.json';

/** A cluster id as an object key: a plain non-negative decimal. */
const clusterKey = {
  parse: (v: unknown, p: string) => (typeof v === 'string' && /^(0|[1-9]\d{0,8})$/.test(v) ? v : failKey(p)),
};
function failKey(p: string): never {
  throw new SchemaError(`${p}: expected a cluster id (0, 1, 2, ...)`);
}

const clusterId = int(0, 999_999_999);

export const labelsSchema = obj({
  format: lit('clusterlab-labels'),
  version: lit(1),
  /** Cluster id -> the user's name for it. */
  names: record(clusterKey, str(200)),
  /** Applied in order: every member of `from` (trained or moved there) joins `into`. */
  merges: arr(obj({ from: clusterId, into: clusterId })),
  /** Image path relative to the dataset root (posix) -> the cluster the user put it in. */
  moves: record(str(4096), clusterId),
});

export type LabelsJson = Infer<typeof labelsSchema>;

export function emptyLabels(): LabelsJson {
  return { format: 'clusterlab-labels', version: 1, names: {}, merges: [], moves: {} };
}

/** Validates a parsed labels.json, including that merges form no cycle and never merge a cluster away twice. */
export function parseLabels(value: unknown): LabelsJson {
  const labels = check(labelsSchema, value);
  const gone = new Set<number>();
  labels.merges.forEach((m, i) => {
    if (m.from === m.into) throw new SchemaError(`merges[${i}]: a cluster cannot be merged into itself`);
    if (gone.has(m.from)) throw new SchemaError(`merges[${i}]: cluster ${m.from} was already merged away`);
    if (gone.has(m.into)) throw new SchemaError(`merges[${i}]: cluster ${m.into} was already merged away`);
    gone.add(m.from);
  });
  return labels;
}
