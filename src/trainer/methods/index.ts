import { stageName } from '../../common/metricLabels.js';
import { METHOD_SPECS, type MethodName } from '../../common/methods/index.js';
import type { TrainConfig } from '../../protocol/run.js';
import { createCC } from './cc.js';
import { createDeepCluster } from './deepcluster.js';
import { createKmeans } from './kmeans.js';
import { settingsOf, type Method, type MethodInit, type MethodTrainer } from './method.js';
import { createSCAN } from './scan/index.js';
import { resolveScanConfig, scanStageEpochs } from './scan/stages.js';
import { createScanHead, resolveScanHeadConfig } from './scanhead.js';
import { createTemi } from './temi.js';

/** Every method's trainer; a method's name, defaults and settings are its spec (src/common/methods). */
export const TRAINERS: Record<MethodName, MethodTrainer> = {
  cc: { create: createCC },
  scan: { create: createSCAN, resolve: resolveScanConfig, stages: scanStageEpochs },
  deepcluster: { create: createDeepCluster },
  kmeans: { create: createKmeans },
  scanhead: { create: createScanHead, resolve: resolveScanHeadConfig },
  temi: { create: createTemi },
};

export function createMethod(init: MethodInit): Method {
  return TRAINERS[init.config.method].create(init);
}

/**
 * The config as run.json records it: every method setting with its default filled in (so a resume
 * trains with the settings the run started with, whatever the defaults become) and what a method
 * derives fixed (SCAN's stage lengths). Refuses what validateConfig refuses, and a SCAN run whose
 * chosen stages have no epochs.
 */
export function resolveConfig(config: TrainConfig): TrainConfig {
  const filled = { ...config, params: { ...settingsOf(METHOD_SPECS[config.method], config) } };
  return TRAINERS[config.method].resolve?.(filled) ?? filled;
}

/** The stages a resolved config trains, named as people read them, with their epochs; empty for a method without stages. */
export function stagePlan(config: TrainConfig): { name: string; epochs: number }[] {
  const stages = TRAINERS[config.method].stages?.(config) ?? [];
  return stages
    .filter((s) => s.epochs > 0)
    .map((s) => ({ name: stageName(s.phase, config.method), epochs: s.epochs }));
}

/** The name of the stage a 1-based epoch trains in, for progress messages ("self-labeling"); undefined without stages. */
export function stageNameOf(config: TrainConfig, epoch: number): string | undefined {
  const stages = TRAINERS[config.method].stages?.(config);
  if (!stages?.length) return undefined;
  let end = 0;
  const stage = stages.find((s) => epoch <= (end += s.epochs)) ?? stages.at(-1)!;
  return stageName(stage.phase, config.method);
}
