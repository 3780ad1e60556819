import type { TrainConfig } from '../../../protocol/run.js';
import { SCAN_SPEC } from '../../../common/methods/scan.js';
import { ConfigError } from '../../run/config.js';
import { settingsOf } from '../method.js';

export const SCAN_STAGES = ['pretext', 'scan', 'selflabel'] as const;
export type ScanStage = (typeof SCAN_STAGES)[number];

/**
 * Weights by which `--epochs` is shared among the stages whose length is not given
 * (--param pretextEpochs=...): the default 18 epochs become 6 pretext, 10 SCAN, 2 self-labeling.
 * The pretext's neighbours stop improving after a few epochs on a CPU budget; the whole-network
 * SCAN stage is where it learns; self-labeling gains its point or two in the first epochs and then
 * drifts down (Fashion-MNIST: .684 -> .697 after one epoch, .677 after eight).
 */
const STAGE_WEIGHT: Record<ScanStage, number> = { pretext: 5, scan: 9, selflabel: 1 };

/**
 * Fixes every stage's length in the config (so a resumed run keeps its stage boundaries) and sets
 * `epochs` to the total of the stages the run goes through: `--stages pretext` stops after the
 * pretext, and a later `--resume DIR --stages pretext,scan,selflabel` continues from there.
 */
export function resolveScanConfig(config: TrainConfig): TrainConfig {
  // The spec's choices are the stage prefixes: pretext, pretext,scan or pretext,scan,selflabel.
  const stages = settingsOf(SCAN_SPEC, config).stages.split(',');
  const params: TrainConfig['params'] = { ...config.params };
  const missing = SCAN_STAGES.filter((s) => typeof params[`${s}Epochs`] !== 'number');
  if (missing.length > 0) {
    // One epoch each, then the rest by weight, rounding down, leftovers to the largest remainders.
    const given = SCAN_STAGES.filter((s) => !missing.includes(s)).reduce(
      (a, s) => a + (params[`${s}Epochs`] as number),
      0,
    );
    const left = Math.max(config.epochs - given, missing.length);
    const total = missing.reduce((a, s) => a + STAGE_WEIGHT[s], 0);
    const exact = missing.map((s) => ((left - missing.length) * STAGE_WEIGHT[s]) / total);
    const counts = exact.map((x) => 1 + Math.floor(x));
    const short = left - counts.reduce((a, b) => a + b, 0);
    const byRemainder = exact
      .map((x, i) => [x - Math.floor(x), i] as const)
      .sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    for (const [, i] of byRemainder.slice(0, short)) counts[i]!++;
    missing.forEach((s, i) => (params[`${s}Epochs`] = counts[i]!));
  }
  const epochs = stages.reduce((a, s) => a + (params[`${s}Epochs`] as number), 0);
  if (epochs < 1) throw new ConfigError('the SCAN stages chosen have no epochs to train');
  return { ...config, params, epochs };
}

/**
 * Stage of a 1-based epoch, the epoch's 1-based place in it and the stage's length (a schedule
 * runs over the stage); epochs past the self-labeling range keep self-labeling.
 */
export function scanStageOf(
  config: TrainConfig,
  epoch: number,
): { stage: ScanStage; index: number; length: number } {
  let start = 1;
  for (const { phase: s, epochs: n } of scanStageEpochs(config)) {
    if (epoch < start + n) return { stage: s, index: epoch - start + 1, length: n };
    start += n;
  }
  const n = config.params.selflabelEpochs as number;
  return { stage: 'selflabel', index: epoch - start + n + 1, length: n };
}

/** Every stage of a resolved SCAN config with its epochs, in training order. */
export function scanStageEpochs(config: TrainConfig): { phase: ScanStage; epochs: number }[] {
  return SCAN_STAGES.map((s) => ({ phase: s, epochs: config.params[`${s}Epochs`] as number }));
}
