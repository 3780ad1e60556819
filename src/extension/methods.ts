import { basename } from 'node:path';
import type { MethodName, RunJson } from '../protocol/run.js';

/** How the extension names and describes each method (the trainer knows them by MethodName). */
export const METHOD_INFO: Record<MethodName, { label: string; description: string }> = {
  cc: { label: 'CC', description: 'Contrastive Clustering: instance- and cluster-level contrast between two augmented views' },
  scan: { label: 'SCAN', description: 'Self-supervised pretext, then nearest-neighbour consistency, then self-labeling' },
  deepcluster: { label: 'DeepCluster', description: 'Alternates k-means on the features with training on its pseudo-labels' },
};

/** "CC · fashion": a run as lists and messages name it. */
export function runLabel(method: MethodName, datasetRoot: string): string {
  return `${METHOD_INFO[method].label} · ${basename(datasetRoot)}`;
}

export function runLabelOf(run: RunJson): string {
  return runLabel(run.method, run.dataset.root);
}
