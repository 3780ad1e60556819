/**
 * What the host <-> webview messages of every page (gallery, confusion, charts, compare, map) share:
 * value shapes and the messages more than one page sends or receives. Each page's own messages are
 * in <page>Messages.ts. The host validates everything a webview sends (a webview is untrusted
 * content), and a webview validates what the host sends before drawing it.
 */
import { RUN_STATUSES } from './run.js';
import { arr, bool, int, lit, obj, oneOf, str, type Infer } from './schema.js';

export const path = str(4096);
export const clusterId = int(0, 999_999_999);
/** A class or super-class index, -1 for none. */
export const classIndex = int(-1, 1_000_000);
/** A cluster as a row or column of a table: its id, name and size. */
export const clusterRow = obj({ cluster: clusterId, name: str(200), size: int(0) });

const runStatus = oneOf(...RUN_STATUSES);
/** An entry of the run picker every page shows. */
export const runChoice = obj({ dir: path, label: str(300), status: runStatus });
export const runInfo = obj({
  dir: path,
  id: str(300),
  method: str(40),
  status: runStatus,
  datasetRoot: path,
});
export type RunChoice = Infer<typeof runChoice>;
export type RunInfo = Infer<typeof runInfo>;

/** How a series reads and is drawn: a fraction on a 0..1 axis, an index as steps (the host's metricLabels.ts). */
export const seriesKind = oneOf('fraction', 'index');

// ---- host -> page ----

/** Thumbnail URLs for the paths a page asked for; uri "" where the image could not be read. */
export const thumbsReply = obj({ type: lit('thumbs'), thumbs: arr(obj({ path, uri: str(8192) }), 5000) });
export type ThumbsReply = Infer<typeof thumbsReply>;

/** The run's shared selection (linked views): what one page selected, the others show. */
export const selectionMessage = obj({ type: lit('selection'), paths: arr(path) });
export type SelectionMessage = Infer<typeof selectionMessage>;

// ---- page -> host ----

export const ready = obj({ type: lit('ready') });
export const selectRun = obj({ type: lit('selectRun'), dir: path });
export const thumbsRequest = obj({ type: lit('thumbs'), paths: arr(path, 2000) });
export const openImage = obj({ type: lit('open'), path });
export const renameCluster = obj({ type: lit('rename'), cluster: clusterId, name: str(200) });
export const moveImages = obj({ type: lit('move'), paths: arr(path), to: clusterId });
export const mergeClusters = obj({ type: lit('merge'), from: clusterId, into: clusterId });
export const undo = obj({ type: lit('undo') });
export const redo = obj({ type: lit('redo') });
/** Puts the images on the dataset's exclusion list (`exclude` false: takes them off it). */
export const excludeMessage = obj({ type: lit('exclude'), paths: arr(path), exclude: bool });
