/**
 * metrics.jsonl rows as chart series: every numeric field a row has becomes a series, so a
 * method's extra columns (DeepCluster's nmiPrevious, SCAN's confident fraction, ...) are drawn
 * without the charts knowing them. Known fields are grouped so related lines share a chart; each
 * series and stage carries the name its method's spec gives it (metricLabels.ts).
 */
import { seriesSpec, stageName } from '../../common/metricLabels.js';
import { pickColumn } from '../../common/methods/deepclusterPick.js';
import type { MetricsRow, RunJson } from '../../protocol/run.js';
import type { ChartSeries, ChartsState } from '../../protocol/chartsMessages.js';
import type { RunChoice } from '../../protocol/pageMessages.js';
import { runInfoOf } from './runModel.js';

const SCORES = new Set(['acc', 'nmi', 'ari', 'purity']);
const SUPER_SCORES = new Set(['superAcc', 'superNmi', 'superAri']);
/** Bookkeeping, not a measurement. */
const SKIP = new Set(['epoch']);

/** The group of the column a run picks its reported epoch by (DeepCluster's `pick`): drawn beside the scores. */
export const PICK_GROUP = 'pick';

function groupOf(key: string, pick: string | undefined): string {
  if (key === pick) return PICK_GROUP;
  if (key === 'loss' || key.startsWith('terms.')) return 'loss';
  if (SCORES.has(key)) return 'scores';
  if (SUPER_SCORES.has(key)) return 'super-class scores';
  return key;
}

/** Numeric leaves of a row, nested objects flattened with dotted keys (terms.instance). */
export function numericLeaves(value: unknown, prefix: string, out: Map<string, number>): void {
  if (typeof value === 'number' && Number.isFinite(value)) out.set(prefix, value);
  else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) numericLeaves(v, prefix ? `${prefix}.${k}` : k, out);
  }
}

export function chartsState(
  dir: string,
  run: RunJson,
  rows: readonly MetricsRow[],
  runs: RunChoice[],
): ChartsState {
  const leaves = rows.map((r) => {
    const m = new Map<string, number>();
    numericLeaves(r, '', m);
    for (const k of SKIP) m.delete(k);
    return m;
  });
  // Keys in first-seen order, so the loss comes before its terms as the trainer writes them.
  const keys = [...new Set(leaves.flatMap((m) => [...m.keys()]))];
  const pick = pickColumn(run.method, run.config?.params?.pick);
  const series: ChartSeries[] = keys.map((key) => ({
    key,
    ...seriesSpec(key, run.method),
    group: groupOf(key, pick),
    values: leaves.map((m) => m.get(key) ?? null),
  }));
  return {
    type: 'charts',
    runs,
    run: runInfoOf(dir, run),
    epochs: rows.map((r) => (Number.isSafeInteger(r.epoch) && r.epoch >= 0 ? r.epoch : 0)),
    phases: rows.map((r) =>
      typeof r.phase === 'string' ? stageName(r.phase, run.method).slice(0, 100) : '',
    ),
    series,
  };
}
