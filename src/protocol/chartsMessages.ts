/** The training charts page's messages (shared parts in pageMessages.ts). */
import { ready, runChoice, runInfo, selectRun, seriesKind } from './pageMessages.js';
import { arr, int, lit, num, obj, opt, orNull, str, tagged, type Infer } from './schema.js';

/** One numeric series of metrics.jsonl, null where a row lacks it (e.g. scores only every few epochs). */
export const chartSeries = obj({
  key: str(300),
  label: str(300),
  kind: opt(seriesKind),
  group: str(100),
  values: arr(orNull(num)),
});
export type ChartSeries = Infer<typeof chartSeries>;

export const chartsState = obj({
  type: lit('charts'),
  runs: arr(runChoice),
  run: opt(runInfo),
  epochs: arr(int(0)),
  /** Each row's stage as people name it ("self-labeling"): a dashed line where it changes. */
  phases: arr(str(100)),
  series: arr(chartSeries, 1000),
  error: opt(str(2000)),
});
export type ChartsState = Infer<typeof chartsState>;

export const hostToCharts = tagged(chartsState);

export const chartsToHost = tagged(ready, selectRun);
export type ChartsToHost = Infer<typeof chartsToHost>;
