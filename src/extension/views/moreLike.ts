/**
 * "More like this": an image's nearest images in the run's features (or its feature model's
 * embeddings), across clusters, as a gallery filter (a chip the user can clear). Searched exactly
 * over every image (RunNeighbours.nearest); images deleted since training or excluded from the
 * dataset are not offered, and the image itself comes first.
 */
import { basename } from 'node:path';
import type { GalleryFilter } from '../../protocol/galleryMessages.js';
import { NoFeatures, runNeighbours } from './runNeighbours.js';
import type { RunSession } from './runSessions.js';

/** How many images a "more like this" shows besides the image itself (a few rows of tiles). */
export const MORE_LIKE_K = 24;

export async function moreLike(s: RunSession, path: string, k = MORE_LIKE_K): Promise<GalleryFilter> {
  const m = s.model();
  const i = m.index.get(path);
  if (i === undefined) throw new Error(`not an image of this run: ${path}`);
  if (m.isNew[i])
    throw new Error(
      `${path} was added after training: the run has no features for it, so no images like it can be found (train again to include it)`,
    );
  let nb;
  try {
    nb = await runNeighbours(s);
  } catch (e) {
    if (e instanceof NoFeatures)
      throw new Error(`“More like this” needs the run’s per-image features: ${e.message}`, { cause: e });
    throw e;
  }
  const row = nb.rowOf.get(path)!;
  const { paths } = nb;
  const found = nb.nearest(row, k + 1, (r) => {
    const p = paths[r]!;
    return m.index.has(p) && !m.excluded.has(p);
  });
  const images = Array.from(found.rows, (r) => paths[r]!);
  return {
    type: 'filter',
    images,
    title: `${images.length - 1} like ${basename(path)} in ${nb.space}`.slice(0, 200),
    ranked: true,
  };
}
