/**
 * The experiment's `features:` checks: only embedding methods take a feature model, and the file
 * must exist; the trainer (language server, `clusterlab run --check`) hands in `inspect`, which
 * opens the model and its sidecar (unreadable model, wrong input rank, a sidecar that contradicts it).
 */
import { stat } from 'node:fs/promises';
import { methodSpec } from '../methods/index.js';
import type { Experiment, ExperimentProblem } from './format.js';

/** The model's one-line problem, or undefined when it opens and its preprocessing resolves. */
export type InspectModel = (file: string) => Promise<string | undefined>;

export async function checkFeatureModel(
  exp: Experiment,
  inspect?: InspectModel,
): Promise<ExperimentProblem[]> {
  if (!exp.features || !exp.featuresSpan) return [];
  const span = exp.featuresSpan;
  const problems: ExperimentProblem[] = [];
  const imageMethods = new Set(
    exp.runs.filter((r) => methodSpec(r.config.method)?.input !== 'embeddings').map((r) => r.config.method),
  );
  if (imageMethods.size > 0) {
    problems.push({
      severity: 'error',
      span,
      message: `features is for methods that cluster embeddings; ${[...imageMethods].join(', ')} train${imageMethods.size === 1 ? 's its' : ' their'} own network on the images`,
    });
  }
  const isFile = await stat(exp.features).then(
    (s) => s.isFile(),
    () => undefined,
  );
  if (isFile === undefined)
    return [
      ...problems,
      { severity: 'error', span, message: `feature model ${exp.features} does not exist` },
    ];
  if (!isFile)
    return [
      ...problems,
      {
        severity: 'error',
        span,
        message: `${exp.features} is a folder, not a model file (.onnx or model.json)`,
      },
    ];
  const bad = await inspect?.(exp.features);
  return bad ? [...problems, { severity: 'error', span, message: bad }] : problems;
}
