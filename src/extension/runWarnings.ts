/**
 * What a finished run's numbers say the user should look at: a stage that trained nothing (its
 * method's spec says when: SCAN's self-labeling with no confident image), a catch-all cluster,
 * clusters left nearly empty. Pure, over summary.json and metrics.jsonl.
 */
import { METHOD_SPECS, type MethodName } from '../common/methods/index.js';
import { count } from '../common/plural.js';
import type { MetricsRow, SummaryJson } from '../protocol/run.js';

/** A cluster this many times the mean size, and at least this share of the images, is a catch-all. */
const CATCH_ALL_TIMES_MEAN = 2;
const CATCH_ALL_SHARE = 0.2;
/** Fewer images than this share of the mean size (and fewer than 2 at least) is nearly empty. */
const NEARLY_EMPTY_SHARE = 0.1;

export function runWarnings(
  method: MethodName,
  summary: Pick<SummaryJson, 'sizes' | 'n'>,
  metrics: readonly MetricsRow[],
): string[] {
  const out = (METHOD_SPECS[method].warnings ?? [])
    .filter((w) => metrics.some((r) => r.phase === w.phase && r[w.column] === w.equals))
    .map((w) => w.says);
  const sizes = summary.sizes;
  const n = summary.n;
  if (sizes.length > 1 && n > 0) {
    const mean = n / sizes.length;
    const largest = sizes.indexOf(Math.max(...sizes));
    const big = sizes[largest]!;
    if (big >= CATCH_ALL_TIMES_MEAN * mean && big >= CATCH_ALL_SHARE * n)
      out.push(`cluster ${largest} holds ${big} of ${count(n, 'image')}, a catch-all`);
    const small = sizes.filter((s) => s < Math.max(2, NEARLY_EMPTY_SHARE * mean)).length;
    if (small > 0)
      out.push(
        `${count(small, 'cluster')} ${small === 1 ? 'is' : 'are'} nearly empty (under ${Math.max(2, Math.ceil(NEARLY_EMPTY_SHARE * mean))} images)`,
      );
  }
  return out;
}
