/**
 * Roughly how long a run will take on this machine: the seconds per image and epoch of the newest
 * finished run with the same method, backbone, image size and colour, times the new run's images
 * and epochs. Pure; undefined when no such run exists.
 */
import type { RunJson, SummaryJson, TrainConfig } from '../protocol/run.js';
import { METHOD_SPECS } from '../common/methods/index.js';

export interface Estimate {
  seconds: number;
  /** What the estimate rests on, for the user to weigh it. */
  basis: string;
}

export function estimateRun(past: readonly { run: RunJson; summary: SummaryJson }[], c: TrainConfig, images: number): Estimate | undefined {
  const like = past
    .filter(({ run, summary }) => {
      const r = run.config;
      return run.status === 'done' && r.method === c.method && r.backbone === c.backbone && r.imageSize === c.imageSize && r.channels === c.channels && summary.n > 0 && summary.epochs > 0;
    })
    .sort((a, b) => (a.run.startedAt < b.run.startedAt ? 1 : -1))[0];
  if (!like) return undefined;
  const perImageEpoch = like.summary.seconds / (like.summary.n * like.summary.epochs);
  return { seconds: perImageEpoch * images * c.epochs, basis: `from your last ${METHOD_SPECS[c.method].label} run at ${c.imageSize} px on ${like.summary.backend}` };
}

/** "about 4 min", "under a minute". */
export function aboutDuration(seconds: number): string {
  if (seconds < 60) return 'under a minute';
  if (seconds < 90 * 60) return `about ${Math.round(seconds / 60)} min`;
  return `about ${(seconds / 3600).toFixed(1)} h`;
}
