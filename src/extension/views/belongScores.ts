/**
 * The "doesn't belong" scores on the host (gallery sort, map colour): each shown image's score
 * (src/common/belong.ts) from the run's saved features and its clusters as the user edited them.
 * The neighbour table comes from the run's RunNeighbours, computed once per run; an edit only
 * recomputes the centres and the three terms. Images without features (added after training) and
 * excluded images get none: the pages put them last.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { doesNotBelong } from '../../common/belong.js';
import type { BelongScores } from '../../protocol/pageMessages.js';
import type { RunModel } from './runModel.js';
import { NoFeatures, runNeighbours } from './runNeighbours.js';
import type { RunSession } from './runSessions.js';

/** Scores per model (a run as edited): the gallery and the map of one run share them. */
const computed = new WeakMap<RunModel, Promise<BelongScores>>();

export function belongScores(s: RunSession): Promise<BelongScores> {
  const m = s.model();
  let reply = computed.get(m);
  if (!reply) computed.set(m, (reply = compute(s, m)));
  return reply;
}

async function compute(s: RunSession, m: RunModel): Promise<BelongScores> {
  const base = { type: 'belong' as const, dir: m.dir, scores: [] as (number | null)[] };
  let nb;
  try {
    nb = await runNeighbours(s);
  } catch (e) {
    if (!(e instanceof NoFeatures)) throw e;
    return { ...base, note: `${e.message}: sorted by least confident instead` };
  }
  const rows = nb.rowOf.size;
  const cluster = new Int32Array(rows).fill(-1);
  const confidence = new Float64Array(rows);
  const itemRow = new Int32Array(m.paths.length).fill(-1);
  m.paths.forEach((p, i) => {
    const row = nb.rowOf.get(p);
    if (row === undefined || m.excluded.has(p)) return;
    itemRow[i] = row;
    cluster[row] = m.cluster[i]!;
    confidence[row] = m.confidence[i]!;
  });
  const t = await doesNotBelong({
    features: nb.features,
    dims: nb.dims,
    cluster,
    confidence,
    neighbours: await nb.belongTable(),
    yieldEvery: () => yieldToLoop(),
  });
  return {
    ...base,
    scores: Array.from(itemRow, (row) => (row < 0 ? null : Math.round(t.score[row]! * 1e4) / 1e4)),
  };
}
