/**
 * What people read for metrics.jsonl's columns and a run's stages: the columns every run writes
 * (loss, scores, speed, label-free scores) are named here, a method's own columns, loss terms and
 * stages by its spec. The host sends the names to the pages, which know no method.
 */
import { METHOD_NAMES, METHOD_SPECS, methodSpec, type MethodSpec, type SeriesSpec } from './methods/index.js';

/** The columns the run loop writes for every method (ARI, which can dip below 0, is drawn on 0..1 as the other scores). */
const RUN_COLUMNS: Record<string, SeriesSpec> = {
  loss: { label: 'Loss' },
  acc: { label: 'ACC', kind: 'fraction' },
  nmi: { label: 'NMI', kind: 'fraction' },
  ari: { label: 'ARI', kind: 'fraction' },
  purity: { label: 'Purity', kind: 'fraction' },
  superAcc: { label: 'Super-class ACC', kind: 'fraction' },
  superNmi: { label: 'Super-class NMI', kind: 'fraction' },
  superAri: { label: 'Super-class ARI', kind: 'fraction' },
  imgPerSec: { label: 'Speed (images/s)' },
  seconds: { label: 'Time per epoch (s)' },
  confidence: { label: 'Mean confidence (fraction)', kind: 'fraction' },
  balance: { label: 'Cluster balance (fraction)', kind: 'fraction' },
  knnConsistency: { label: 'kNN consistency (fraction)', kind: 'fraction' },
  silhouette: { label: 'Silhouette (−1 to 1)' },
};

/** Loss terms of the shared losses. */
const RUN_TERMS: Record<string, string> = { weightDecay: 'Weight decay' };

/** "kmeansInertia" -> "Kmeans inertia": a readable fallback for a column nobody named. */
function words(key: string): string {
  const w = key
    .replace(/[._]/g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .trim();
  return w.charAt(0).toUpperCase() + w.slice(1);
}

/**
 * The specs a column's name is looked up in: the run's method first, then every other (a column
 * some method names reads the same in a run of another, as on the compare page's overlay).
 */
function specsFor(method: string | undefined): MethodSpec[] {
  const own = method === undefined ? undefined : methodSpec(method);
  return [...(own ? [own] : []), ...METHOD_NAMES.map((m) => METHOD_SPECS[m]).filter((s) => s !== own)];
}

/** A metrics.jsonl column (nested keys dotted: terms.instance) as a run of `method` names it. */
export function seriesSpec(key: string, method?: string): SeriesSpec {
  const specs = specsFor(method);
  if (key.startsWith('terms.')) {
    const term = key.slice(6);
    const label = RUN_TERMS[term] ?? specs.map((s) => s.terms[term]).find((t) => t !== undefined);
    return { label: label ?? `${words(term)} term` };
  }
  return (
    RUN_COLUMNS[key] ??
    specs.map((s) => s.metrics?.[key]).find((m) => m !== undefined) ?? { label: words(key) }
  );
}

/** The name of a metrics row's phase: its method's stage name ("self-labeling"), else the phase itself. */
export function stageName(phase: string, method?: string): string {
  return (
    specsFor(method)
      .flatMap((s) => s.stages ?? [])
      .find((s) => s.phase === phase)?.name ?? phase
  );
}
