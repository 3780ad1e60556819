/**
 * A run's features and neighbour searches on the host, kept per open run (RunSession) so they are
 * computed once: the "doesn't belong" table (src/common/belong.ts) survives the user's edits, which
 * move clusters but not features, and "more like this" searches the same features. Read again only
 * when features.json changes (a run still training writes it at each evaluation).
 *
 * For a run trained on a feature model (feature-model.json), features.f16 holds that model's
 * embeddings (the trainer saves what an embedding method clustered), so both searches are in the
 * model's space without opening the embedding cache.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { belongNeighbours } from '../../common/belong.js';
import { FEATURES_FILE, readRunFeatures } from '../../common/features.js';
import { nearestRows, type NeighbourTable } from '../../common/neighbours.js';
import { readRunText } from '../../common/runFileRead.js';
import type { RunSession } from './runSessions.js';

export class RunNeighbours {
  private table: Promise<NeighbourTable> | undefined;
  /** assignments.csv's path -> its row in the features. */
  readonly rowOf: ReadonlyMap<string, number>;

  constructor(
    readonly features: Float32Array,
    readonly dims: number,
    /** assignments.csv's paths: the features' rows. */
    readonly paths: readonly string[],
    /** What the features are, for messages: "the run's features" or a feature model's embeddings. */
    readonly space: string,
  ) {
    this.rowOf = new Map(paths.map((p, i) => [p, i]));
  }

  /** The doesn't-belong neighbour table, computed on first use (yielding to the host's event loop). */
  belongTable(): Promise<NeighbourTable> {
    this.table ??= belongNeighbours(this.features, this.dims, { yieldEvery: () => yieldToLoop() });
    return this.table;
  }

  /** Row `row`'s k nearest rows that `keep` accepts, itself first (exact cosine over all rows). */
  nearest(
    row: number,
    k: number,
    keep: (r: number) => boolean,
  ): { rows: Int32Array; similarity: Float64Array } {
    return nearestRows(this.features, this.dims, row, k, keep);
  }
}

/** Why a run has no neighbours to search: said by the pages instead. */
export class NoFeatures extends Error {}

const cache = new WeakMap<RunSession, { stamp: string; value: Promise<RunNeighbours> }>();

/** The session's features and neighbour searches; rejects with NoFeatures (a sentence) when it has none. */
export async function runNeighbours(s: RunSession): Promise<RunNeighbours> {
  const st = await stat(join(s.dir, FEATURES_FILE)).catch(() => undefined);
  const stamp = `${st?.mtimeMs}:${st?.size}:${s.rows.length}`;
  const hit = cache.get(s);
  if (hit?.stamp === stamp) return hit.value;
  const value = load(s);
  cache.set(s, { stamp, value });
  // A failed read is not kept: the next question tries again.
  value.catch(() => cache.get(s)?.value === value && cache.delete(s));
  return value;
}

async function load(s: RunSession): Promise<RunNeighbours> {
  let f;
  try {
    f = await readRunFeatures(s.dir);
  } catch (e) {
    throw new NoFeatures(`cannot read the run's features (${(e as Error).message})`);
  }
  if (!f)
    throw new NoFeatures(
      'this run saved no per-image features (trained before ClusterLab kept them, or not finished)',
    );
  if (f.meta.rows !== s.rows.length)
    throw new NoFeatures(`the run's features have ${f.meta.rows} rows for ${s.rows.length} images`);
  return new RunNeighbours(
    f.features,
    f.meta.dims,
    s.rows.map((r) => r.path),
    await featureSpace(s.dir),
  );
}

/** "the embeddings of <model file>" for a run trained on a feature model, else "the run's features". */
async function featureSpace(dir: string): Promise<string> {
  try {
    const text = await readRunText(dir, 'feature-model.json');
    const file = text && (JSON.parse(text) as { file?: unknown }).file;
    if (typeof file === 'string') return `the embeddings of ${file.split(/[\\/]/).pop()}`;
  } catch {
    // A damaged record: the features are still the run's; assign and resume say what is wrong with it.
  }
  return 'the run’s features';
}
