/** The embedding map page's messages (shared parts in pageMessages.ts; its state extends the gallery's). */
import { galleryState } from './galleryMessages.js';
import {
  excludeMessage,
  moveImages,
  openImage,
  path,
  ready,
  redo,
  renameCluster,
  selectionMessage,
  selectRun,
  thumbsReply,
  thumbsRequest,
  undo,
} from './pageMessages.js';
import { arr, bool, int, lit, num, obj, oneOf, opt, str, tagged, type Infer } from './schema.js';

/**
 * The run's 2-D map: x, y per image in `items` order, scaled into the unit square. Images added
 * after training have no features; they sit at their cluster's centre (listed in `placed`).
 */
export const mapLayout = obj({
  method: str(200),
  knnPreservation: num,
  xy: arr(num, 4_000_000),
  placed: arr(int(0)),
});
export type MapLayout = Infer<typeof mapLayout>;

export const mapState = obj({
  ...galleryState.fields,
  type: lit('map'),
  layout: opt(mapLayout),
  /** Without a layout: the run saved features, so the trainer can compute one. */
  canCompute: bool,
});
export type MapState = Infer<typeof mapState>;

/** The trainer's progress on the layout the page asked for. */
export const layoutProgress = obj({
  type: lit('layoutProgress'),
  message: str(300),
  percentage: opt(num),
  done: bool,
});
export type LayoutProgress = Infer<typeof layoutProgress>;

export const hostToMap = tagged(mapState, thumbsReply, selectionMessage, layoutProgress);
export type HostToMap = Infer<typeof hostToMap>;

export const mapToHost = tagged(
  ready,
  selectRun,
  thumbsRequest,
  openImage,
  selectionMessage,
  moveImages,
  obj({ type: lit('moveToNew'), paths: arr(path), name: opt(str(200)) }),
  renameCluster,
  undo,
  redo,
  obj({ type: lit('exportSelection'), paths: arr(path), format: oneOf('csv', 'json') }),
  obj({ type: lit('showInGallery'), paths: arr(path) }),
  obj({ type: lit('computeLayout') }),
  excludeMessage,
);
export type MapToHost = Infer<typeof mapToHost>;
