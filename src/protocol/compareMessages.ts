/** The compare runs page's messages (shared parts in pageMessages.ts). */
import {
  clusterId,
  clusterRow,
  mergeClusters,
  path,
  ready,
  runChoice,
  seriesKind,
  thumbsReply,
  undo,
} from './pageMessages.js';
import {
  arr,
  bool,
  int,
  lit,
  num,
  obj,
  oneOf,
  opt,
  orNull,
  record,
  str,
  tagged,
  type Infer,
} from './schema.js';

/** A table column: text (method, a setting) or a number; `better` marks the best value of a number column. */
export const compareColumn = obj({
  key: str(300),
  label: str(300),
  kind: oneOf('text', 'number', 'share'),
  better: opt(oneOf('high', 'low')),
  /** Said on hover: what the column means. */
  doc: opt(str(1000)),
});
export type CompareColumn = Infer<typeof compareColumn>;

/** One cell: its text, and for number columns the value (the mean of folded seeds) and their sd. */
export const compareCell = obj({ text: str(2000), value: opt(num), sd: opt(num) });
export type CompareCell = Infer<typeof compareCell>;

/** One row: a run, or runs that differ only by seed folded into one. */
export const compareRow = obj({ dirs: arr(path, 1000), cells: arr(compareCell, 1000) });
export type CompareRow = Infer<typeof compareRow>;

const agreementGrid = arr(arr(orNull(num), 1000), 1000);

export const compareState = obj({
  type: lit('compare'),
  /** Every run, to choose from. */
  runs: arr(runChoice),
  /** The compared runs, and a short name for each (axes, legends). */
  chosen: arr(path, 1000),
  names: arr(str(300), 1000),
  columns: arr(compareColumn, 1000),
  rows: arr(compareRow, 1000),
  /** The same rows with runs differing only by seed folded, when some do. */
  foldedRows: opt(arr(compareRow, 1000)),
  /** Between every pair of chosen runs, on the images both clustered (null: none shared). */
  agreement: obj({ nmi: agreementGrid, ari: agreementGrid }),
  /** metrics.jsonl columns over the union of the runs' epochs: values[run][epoch index]. */
  overlay: obj({
    epochs: arr(int(0), 100_000),
    metrics: arr(
      obj({
        key: str(300),
        label: str(300),
        kind: opt(seriesKind),
        values: arr(arr(orNull(num), 100_000), 1000),
      }),
      1000,
    ),
  }),
  /** Run A x run B: their clusters' contingency table with the Hungarian matching. */
  pair: opt(
    obj({
      a: path,
      b: path,
      rows: arr(clusterRow),
      cols: arr(clusterRow),
      counts: arr(arr(int(0))),
      /** Per row, the matched column index (-1: none). */
      match: arr(int(-1)),
      matchedShare: num,
      shared: int(0),
    }),
  ),
  /** Runs differing only in cluster count (and seed): scores against K. */
  kSweep: opt(
    obj({
      points: arr(obj({ k: int(1), runs: int(1), scores: record(str(100), num, 100) })),
      suggested: opt(int(1)),
      rule: str(2000),
    }),
  ),
  /** Run A's merge candidates that are still live, with sample images of both clusters. */
  merges: opt(
    obj({
      dir: path,
      canUndo: bool,
      pairs: arr(
        obj({
          a: clusterId,
          b: clusterId,
          nameA: str(200),
          nameB: str(200),
          score: num,
          count: int(0),
          samplesA: arr(path, 16),
          samplesB: arr(path, 16),
        }),
        100,
      ),
      note: opt(str(1000)),
    }),
  ),
  error: opt(str(2000)),
});
export type CompareState = Infer<typeof compareState>;

export const hostToCompare = tagged(compareState, thumbsReply);
export type HostToCompare = Infer<typeof hostToCompare>;

export const compareToHost = tagged(
  ready,
  obj({ type: lit('setRuns'), dirs: arr(path, 1000) }),
  obj({ type: lit('selectPair'), a: path, b: path }),
  /** A contingency cell: the images run A put in cluster a and run B in cluster b. */
  obj({ type: lit('showCell'), a: clusterId, b: clusterId }),
  /** Merge run A's cluster `from` into `into` (a merge candidate). */
  mergeClusters,
  undo,
  obj({ type: lit('copy'), text: str(2_000_000) }),
);
export type CompareToHost = Infer<typeof compareToHost>;
