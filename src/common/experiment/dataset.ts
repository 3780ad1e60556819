/**
 * The checks of an experiment that read the disk: its dataset folder exists and holds images,
 * and no run asks for more clusters than there are images. The image count is handed in (the
 * host's dataset walk), so this stays testable without a folder.
 */
import { stat } from 'node:fs/promises';
import { shownText } from '../shown.js';
import { checkFeatureModel, type InspectModel } from './featureModel.js';
import type { Experiment, ExperimentProblem } from './format.js';

/** Paths in messages: escaped like values, but cut only when no real path is that long. */
const PATH_SHOWN_MAX = 300;

export type CountImages = (dir: string) => Promise<number>;

export async function checkDataset(exp: Experiment, countImages: CountImages): Promise<ExperimentProblem[]> {
  if (!exp.data || !exp.dataSpan) return [];
  const span = exp.dataSpan;
  const data = shownText(exp.data, PATH_SHOWN_MAX);
  const isDir = await stat(exp.data).then(
    (s) => s.isDirectory(),
    () => undefined,
  );
  if (isDir === undefined)
    return [{ severity: 'error', span, message: `dataset folder ${data} does not exist` }];
  if (!isDir) return [{ severity: 'error', span, message: `${data} is a file, not a folder of images` }];
  const images = await countImages(exp.data);
  if (images === 0)
    return [
      {
        severity: 'error',
        span,
        message: `${data} holds no images (png, jpeg, webp, ... in it or its subfolders)`,
      },
    ];
  const problems: ExperimentProblem[] = [];
  const reported = new Set<string>();
  for (const r of exp.runs) {
    const key = `${r.clustersSpan?.start}:${r.config.clusters}`;
    if (r.config.clusters <= images || reported.has(key)) continue;
    reported.add(key);
    problems.push({
      severity: 'error',
      span: r.clustersSpan ?? r.span,
      message: `${r.config.clusters} clusters but ${data} has only ${images} images`,
    });
  }
  return problems;
}

/** Parse problems, dataset and feature model problems together, as the CLI and the server report them. */
export async function allProblems(
  exp: Experiment,
  countImages: CountImages,
  inspectModel?: InspectModel,
): Promise<ExperimentProblem[]> {
  return [
    ...exp.problems,
    ...(await checkDataset(exp, countImages)),
    ...(await checkFeatureModel(exp, inspectModel)),
  ].sort((a, b) => a.span.start - b.span.start);
}
