import { METHOD_SPECS, type MethodName } from '../../common/methods/index.js';
import type { TrainConfig } from '../../protocol/run.js';
import { createCC } from './cc.js';
import { createDeepCluster } from './deepcluster.js';
import { createKmeans } from './kmeans.js';
import { settingsOf, type Method, type MethodInit, type MethodTrainer } from './method.js';
import { createSCAN } from './scan.js';
import { resolveScanConfig } from './scanStages.js';
import { createScanHead, resolveScanHeadConfig } from './scanhead.js';
import { createTemi } from './temi.js';

/** Every method's trainer; a method's name, defaults and settings are its spec (src/common/methods). */
export const TRAINERS: Record<MethodName, MethodTrainer> = {
  cc: { create: createCC },
  scan: { create: createSCAN, resolve: resolveScanConfig },
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
