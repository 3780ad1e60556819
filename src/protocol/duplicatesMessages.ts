/**
 * Duplicate groups as the trainer's `duplicates` request answers them (src/trainer/curate/) and the
 * Duplicates page's messages (shared parts in pageMessages.ts).
 */
import {
  belongScores,
  openImage,
  path,
  ready,
  redo,
  runChoice,
  runInfo,
  selectionMessage,
  selectRun,
  thumbsReply,
  thumbsRequest,
  undo,
} from './pageMessages.js';
import { arr, bool, int, lit, num, obj, oneOf, opt, str, tagged, type Infer } from './schema.js';

/**
 * Default bits of 64 two dHashes may differ by. Measured on 12 synthetic 128-px images (so a tuning
 * set, not evidence about photos): a JPEG q60 re-encode, a 0.75x or 0.5x resize with q60, or +20
 * brightness moved 0-8 bits; different images were 20 or more apart (32 expected by chance). 8 (an
 * eighth of the bits) covers the edits; two random hashes come that close once in ~4e9 pairs.
 */
export const DEFAULT_BITS = 8;
/** Above this the hash bands get too short to narrow anything (and "near" stops meaning much). */
export const MAX_BITS = 16;
/** Lowest cosine accepted: below it the LSH tables needed to find the pairs grow past their cap. */
export const MIN_COSINE = 0.9;
export const DEFAULT_COSINE = 0.95;

/** The thresholds a user may pick, strictest first: whole bits, or cosines in hundredths. */
export function thresholdsOf(by: 'hash' | 'cosine'): number[] {
  return by === 'hash'
    ? Array.from({ length: MAX_BITS + 1 }, (_, t) => t)
    : Array.from({ length: 11 }, (_, k) => Math.round((1 - k / 100) * 100) / 100);
}

/** hash: distances in bits of the 64-bit dHash; cosine: the threshold a cosine, distances 1 - cosine. */
export const duplicatesBy = oneOf('hash', 'cosine');
export type DuplicatesBy = Infer<typeof duplicatesBy>;

/** A group: its representative first (the one kept by default), then images within the threshold of it. */
export const duplicateGroup = obj({
  kind: oneOf('exact', 'near'),
  members: arr(obj({ path, distance: num }), 1_000_000),
});
export type DuplicateGroupMessage = Infer<typeof duplicateGroup>;

export const thresholdCount = obj({ threshold: num, groups: int(0), images: int(0) });

/** The trainer's answer: the dataset's images but those on its exclusion list, grouped. */
export const duplicatesResult = obj({
  by: duplicatesBy,
  threshold: num,
  images: int(0),
  excluded: int(0),
  /** by cosine: whose embeddings. */
  source: opt(oneOf('feature model', 'run features')),
  groups: arr(duplicateGroup, 1_000_000),
  /** Groups and images in them at each threshold up to the one asked for. */
  counts: arr(thresholdCount, 100),
});
export type DuplicatesResult = Infer<typeof duplicatesResult>;

export const duplicatesState = obj({
  type: lit('duplicates'),
  runs: arr(runChoice),
  run: opt(runInfo),
  /** The image folder shown instead of a run (deduplicating before training): by hash only. */
  folder: opt(obj({ dir: path, name: str(300) })),
  /** What the run offers: cosine only when it saved features or a feature model. */
  byChoices: arr(duplicatesBy, 2),
  by: duplicatesBy,
  threshold: num,
  /** The thresholds the slider offers, loosest last. */
  thresholds: arr(num, 100),
  /** The groups at `threshold` as last computed, without the images excluded since; absent while computing. */
  result: opt(duplicatesResult),
  /** The trainer is grouping (its progress line). */
  computing: opt(str(300)),
  canUndo: bool,
  canRedo: bool,
  error: opt(str(2000)),
});
export type DuplicatesState = Infer<typeof duplicatesState>;

// The run's shared selection comes too (ImagePage sends it to every image page); this page ignores it.
// belongScores: the image pages' host side may send it; this page never asks for it.
export const hostToDuplicates = tagged(duplicatesState, thumbsReply, selectionMessage, belongScores);
export type HostToDuplicates = Infer<typeof hostToDuplicates>;

export const duplicatesToHost = tagged(
  ready,
  selectRun,
  thumbsRequest,
  openImage,
  obj({ type: lit('group'), by: duplicatesBy, threshold: num }),
  /** Each group's `keep` stays, the rest of its members go on the exclusion list: one undoable edit. */
  obj({ type: lit('keepOne'), groups: arr(obj({ keep: path, exclude: arr(path, 1_000_000) }), 1_000_000) }),
  undo,
  redo,
  /** The user asks to pick an image folder (with no run) to show. */
  obj({ type: lit('pickFolder') }),
);
export type DuplicatesToHost = Infer<typeof duplicatesToHost>;
