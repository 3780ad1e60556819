/** The super-class confusion page's messages (shared parts in pageMessages.ts). */
import { classIndex, clusterId, clusterRow, ready, runChoice, runInfo, selectRun } from './pageMessages.js';
import { arr, int, lit, num, obj, oneOf, opt, str, tagged, type Infer } from './schema.js';

const scores = obj({ acc: num, nmi: num, ari: num });
const superScores = obj({ acc: num, nmi: num, ari: num, accKind: oneOf('hungarian', 'purity') });

export const confusionState = obj({
  type: lit('confusion'),
  runs: arr(runChoice),
  run: opt(runInfo),
  /** Clusters with labelled members, in display order (a good clustering reads as a diagonal). */
  rows: arr(clusterRow),
  classes: arr(str(300)),
  /** Class ids in display order: grouped by super-class. */
  classOrder: arr(int(0)),
  /** Runs of classOrder sharing a super-class; name "" for classes without one. */
  groups: arr(obj({ name: str(300), start: int(0), end: int(0) })),
  /** counts[row][class id], rows as in `rows`. */
  counts: arr(arr(int(0))),
  /** Per row, the class the Hungarian matching gives its cluster (-1: unmatched). */
  match: arr(classIndex),
  superClasses: arr(str(300)),
  /** superCounts[row][super-class id]. */
  superCounts: arr(arr(int(0))),
  /** Per row, the matched super-class when k equals their number, else empty. */
  superMatch: arr(classIndex),
  scores: opt(scores),
  superScores: opt(superScores),
  error: opt(str(2000)),
});
export type ConfusionState = Infer<typeof confusionState>;

export const hostToConfusion = tagged(confusionState);

export const confusionToHost = tagged(
  ready,
  selectRun,
  obj({ type: lit('showCell'), cluster: clusterId, classIndex: opt(int(0)), superIndex: opt(int(0)) }),
);
export type ConfusionToHost = Infer<typeof confusionToHost>;
