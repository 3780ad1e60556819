/**
 * Which cluster count a K sweep supports, without labels. Stability first (Ben-Hur, Elisseeff &
 * Guyon 2002; Lange et al. 2004): a K the data really has is found again by every seed, so the
 * seeds' clusterings agree; a K that splits a natural group does so differently each time.
 * Without repeated seeds, the mean silhouette (Rousseeuw 1987): compact, well-separated clusters.
 */

export interface KPoint {
  k: number;
  /** Mean pairwise NMI between the seeds trained at this K (undefined: a single seed). */
  stability?: number;
  /** Mean silhouette of the runs at this K. */
  silhouette?: number;
}

export interface KSuggestion {
  k: number;
  by: 'stability' | 'silhouette';
  /** The rule in a sentence, for the page to state. */
  rule: string;
}

export const K_RULES = {
  stability: 'Suggested K: the one whose seeds agree most (highest seed stability, the mean pairwise NMI between seeds); on a tie, the smaller K.',
  silhouette: 'Suggested K: the one with the highest mean silhouette (cosine); on a tie, the smaller K. Train two or more seeds per K to choose by stability instead.',
} as const;

/** The suggested K, or undefined when fewer than two cluster counts have the score the rule needs. */
export function suggestK(points: readonly KPoint[]): KSuggestion | undefined {
  for (const by of ['stability', 'silhouette'] as const) {
    const scored = points.filter((p) => p[by] !== undefined && Number.isFinite(p[by]));
    if (new Set(scored.map((p) => p.k)).size < 2) continue;
    const best = scored.reduce((a, b) => (b[by]! > a[by]! || (b[by] === a[by] && b.k < a.k) ? b : a));
    return { k: best.k, by, rule: K_RULES[by] };
  }
  return undefined;
}
