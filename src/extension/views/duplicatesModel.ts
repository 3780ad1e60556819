/** The Duplicates page's pure state: the trainer's groups as last computed, less the images excluded since. */
import type { DuplicatesBy, DuplicatesResult, DuplicatesState } from '../../protocol/duplicatesMessages.js';
import { thresholdsOf } from '../../protocol/duplicatesMessages.js';
import type { RunChoice, RunInfo } from '../../protocol/pageMessages.js';

export interface DuplicatesView {
  runs: RunChoice[];
  run?: RunInfo;
  folder?: { dir: string; name: string };
  byChoices: DuplicatesBy[];
  by: DuplicatesBy;
  threshold: number;
  result?: DuplicatesResult;
  excluded: ReadonlySet<string>;
  computing?: string;
  canUndo: boolean;
  canRedo: boolean;
  error?: string;
}

/**
 * A group keeps its members not excluded since it was computed; one left with fewer than two is
 * resolved and goes. Undo puts the images back on the list's other side, and the group returns.
 */
export function withoutExcluded(result: DuplicatesResult, excluded: ReadonlySet<string>): DuplicatesResult {
  if (excluded.size === 0) return result;
  const groups = result.groups.flatMap((g) => {
    const members = g.members.filter((m) => !excluded.has(m.path));
    return members.length > 1 ? [{ ...g, members }] : [];
  });
  return { ...result, groups };
}

export function duplicatesState(v: DuplicatesView): DuplicatesState {
  return {
    type: 'duplicates',
    runs: v.runs,
    ...(v.run ? { run: v.run } : {}),
    ...(v.folder ? { folder: v.folder } : {}),
    byChoices: v.byChoices,
    by: v.by,
    threshold: v.threshold,
    thresholds: thresholdsOf(v.by),
    ...(v.result ? { result: withoutExcluded(v.result, v.excluded) } : {}),
    ...(v.computing ? { computing: v.computing } : {}),
    canUndo: v.canUndo,
    canRedo: v.canRedo,
    ...(v.error ? { error: v.error } : {}),
  };
}
