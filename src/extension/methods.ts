import { basename } from 'node:path';
import { METHOD_SPECS } from '../common/methods/index.js';
import type { MethodName, RunJson } from '../protocol/run.js';

/** "CC · fashion": a run as lists and messages name it (the label is the method's spec's). */
export function runLabel(method: MethodName, datasetRoot: string): string {
  return `${METHOD_SPECS[method].label} · ${basename(datasetRoot)}`;
}

export function runLabelOf(run: RunJson): string {
  return runLabel(run.method, run.dataset.root);
}
