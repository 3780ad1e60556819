/**
 * Roughly how long a run will take on this machine, from the speed of runs that finished here:
 * the seconds per image and epoch of the newest finished run with the same method, backbone,
 * image size and colour (and backend, when the run names one), times the new run's images and
 * epochs. Without such a run, the newest finished run of the same method and backbone on pixels
 * at another size, scaled by the pixels per image (a convolution's work grows with them; colour
 * changes only the first layer's, so it is not scaled), and said to be approximate. Without that
 * either, why there is no estimate. Pure.
 */
import type { RunJson, SummaryJson, TrainConfig } from '../protocol/run.js';
import { METHOD_SPECS } from '../common/methods/index.js';

export interface Estimate {
  seconds: number;
  /** What the estimate rests on, for the user to weigh it. */
  basis: string;
  /** Scaled from a run at another size, not timed at this one. */
  approximate?: boolean;
}

/** There is nothing to estimate from: the sentence says why. */
export interface NoEstimate {
  why: string;
}

type Past = { run: RunJson; summary: SummaryJson };

export function estimateRun(past: readonly Past[], c: TrainConfig, images: number): Estimate | NoEstimate {
  const label = METHOD_SPECS[c.method].label;
  const timed = past.filter(
    ({ run, summary }) => run.status === 'done' && summary.n > 0 && summary.epochs > 0 && summary.seconds > 0,
  );
  // Said on the quick pick's second line, which shows about 80 characters.
  if (timed.length === 0) return { why: 'No time estimate yet: nothing has finished here to time it from' };
  const sameMethod = timed.filter(({ run }) => run.config.method === c.method);
  if (sameMethod.length === 0)
    return { why: `No time estimate yet: no ${label} run has finished here (methods differ in speed)` };
  const like = sameMethod
    .filter(
      ({ run, summary }) =>
        run.config.backbone === c.backbone &&
        (run.config.features ?? '') === (c.features ?? '') &&
        (c.backend === 'auto' || summary.backend === c.backend),
    )
    .sort((a, b) => (a.run.startedAt < b.run.startedAt ? 1 : -1));
  const perImageEpoch = (s: SummaryJson) => s.seconds / (s.n * s.epochs);
  const same = like.find(
    ({ run }) => run.config.imageSize === c.imageSize && run.config.channels === c.channels,
  );
  if (same)
    return {
      seconds: perImageEpoch(same.summary) * images * c.epochs,
      basis: `from your last ${label} run at ${c.imageSize} px on ${same.summary.backend}`,
    };
  // A feature model's embeddings cost what the model costs, not what the pixels do: no scaling.
  const other = c.features ? undefined : like[0];
  if (!other)
    return {
      why: `No time estimate yet: no finished ${label} run here with the ${c.backbone} backbone${c.features ? ' on this feature model' : ''}${c.backend === 'auto' ? '' : ` on ${c.backend}`}`,
    };
  const r = other.run.config;
  const colour = (ch: number) => (ch === 1 ? 'grey' : 'RGB');
  const from = `${r.imageSize} px${r.channels === c.channels ? '' : ` ${colour(r.channels)}`}`;
  const to = `${c.imageSize} px${r.channels === c.channels ? '' : ` ${colour(c.channels)}`}`;
  const scale = (c.imageSize / r.imageSize) ** 2;
  return {
    seconds: perImageEpoch(other.summary) * scale * images * c.epochs,
    basis: `from your last ${label} run at ${from} on ${other.summary.backend}, scaled by pixels to ${to}`,
    approximate: true,
  };
}

/** "about 4 min", "under a minute". */
export function aboutDuration(seconds: number): string {
  if (seconds < 60) return 'under a minute';
  if (seconds < 90 * 60) return `about ${Math.round(seconds / 60)} min`;
  return `about ${(seconds / 3600).toFixed(1)} h`;
}
