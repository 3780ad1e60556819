/**
 * Which cluster count a K sweep supports, without labels: stability (Ben-Hur, Elisseeff & Guyon
 * 2002; Lange et al. 2004). A K the data really has is found again by every seed, so the seeds'
 * clusterings agree; a K that splits a natural group does so differently each time. Agreement is
 * the adjusted Rand index, which is 0 for unrelated partitions at any K: NMI between two random
 * partitions rises with K, so ranking K by NMI favoured the larger K by chance.
 * Silhouettes are not used: each run's is measured in its own network's features, and the runs of
 * a sweep train one network per K, so their silhouettes are in different spaces and do not compare.
 */

export interface KPoint {
  k: number;
  /** Mean pairwise ARI between the seeds trained at this K (undefined: a single seed). */
  stability?: number;
}

export interface KSuggestion {
  k: number;
  by: 'stability';
  /** The rule in a sentence, for the page to state. */
  rule: string;
}

export const K_RULES = {
  stability:
    'Suggested K: the one whose seeds agree most (highest seed stability, the mean pairwise ARI between seeds, which is 0 by chance at any K); on a tie, the smaller K.',
  none: 'No suggested K: it needs two or more seeds at two or more cluster counts (seed stability). Silhouettes are not compared across K: each run measures its own in its own features.',
} as const;

/** The suggested K, or undefined when fewer than two cluster counts have a seed stability. */
export function suggestK(points: readonly KPoint[]): KSuggestion | undefined {
  const scored = points.filter((p) => p.stability !== undefined && Number.isFinite(p.stability));
  if (new Set(scored.map((p) => p.k)).size < 2) return undefined;
  const best = scored.reduce((a, b) =>
    b.stability! > a.stability! || (b.stability === a.stability && b.k < a.k) ? b : a,
  );
  return { k: best.k, by: 'stability', rule: K_RULES.stability };
}
