/**
 * What the charts call metrics.jsonl's columns: a human name with its unit, whether the values are
 * a fraction (drawn on a 0..1 axis) or an index (drawn as steps with whole-number ticks), and the
 * training stages' names. Columns not listed get their key spelled out in words.
 */

interface Known {
  name: string;
  kind?: 'fraction' | 'index';
}

const KNOWN: Record<string, Known> = {
  loss: { name: 'Loss' },
  acc: { name: 'ACC', kind: 'fraction' },
  nmi: { name: 'NMI', kind: 'fraction' },
  ari: { name: 'ARI' },
  purity: { name: 'Purity', kind: 'fraction' },
  superAcc: { name: 'Super-class ACC', kind: 'fraction' },
  superNmi: { name: 'Super-class NMI', kind: 'fraction' },
  superAri: { name: 'Super-class ARI' },
  imgPerSec: { name: 'Speed (images/s)' },
  seconds: { name: 'Time per epoch (s)' },
  nmiPrevious: { name: 'NMI to the previous epoch', kind: 'fraction' },
  reseeded: { name: 'Re-seeded clusters (count)', kind: 'index' },
  kmeansInertia: { name: 'k-means inertia' },
  classifierConfidence: { name: "Classifier's mean top probability (fraction)", kind: 'fraction' },
  evalLoss: { name: 'Evaluation score of the best head' },
  evalConsistency: { name: 'Evaluation consistency' },
  evalEntropy: { name: 'Evaluation entropy' },
  evalHead: { name: 'Best head this epoch (index)', kind: 'index' },
  keptHead: { name: 'Kept head (index)', kind: 'index' },
  keptEpoch: { name: 'Kept epoch', kind: 'index' },
  keptLoss: { name: 'Kept evaluation score' },
  confidentFraction: { name: 'Confident images (fraction)', kind: 'fraction' },
  neighbourAgreement: { name: 'Neighbours of the same class (fraction)', kind: 'fraction' },
  confidence: { name: 'Mean confidence (fraction)', kind: 'fraction' },
  balance: { name: 'Cluster balance (fraction)', kind: 'fraction' },
  knnConsistency: { name: 'kNN consistency (fraction)', kind: 'fraction' },
  silhouette: { name: 'Silhouette (−1 to 1)' },
};

const TERMS: Record<string, string> = {
  instance: 'Instance loss',
  cluster: 'Cluster loss',
  consistency: 'Consistency loss',
  entropy: 'Entropy term',
  contrastive: 'Contrastive loss',
  ntxent: 'Contrastive loss',
  selflabel: 'Self-labeling loss',
  ce: 'Self-labeling loss',
  weightDecay: 'Weight decay',
};

const STAGES: Record<string, string> = { pretext: 'pretext', scan: 'SCAN', selflabel: 'self-labeling' };

/** "kmeansInertia" -> "Kmeans inertia": a readable fallback for a column we do not know. */
function words(key: string): string {
  const w = key.replace(/[._]/g, ' ').replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().trim();
  return w.charAt(0).toUpperCase() + w.slice(1);
}

export function seriesName(key: string): string {
  if (key.startsWith('terms.')) {
    const term = key.slice(6);
    return TERMS[term] ?? `${words(term)} term`;
  }
  return KNOWN[key]?.name ?? words(key);
}

export function isFraction(key: string): boolean {
  return KNOWN[key]?.kind === 'fraction';
}

export function isIndex(key: string): boolean {
  return KNOWN[key]?.kind === 'index';
}

export function stageName(phase: string): string {
  return STAGES[phase] ?? phase;
}
