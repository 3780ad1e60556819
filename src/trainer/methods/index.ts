import type { TrainConfig } from '../../protocol/run.js';
import { createCC } from './cc.js';
import { checkDeepClusterConfig, createDeepCluster } from './deepcluster.js';
import type { Method, MethodInit } from './method.js';
import { createSCAN, scanSettings } from './scan.js';
import { resolveScanConfig } from './scanStages.js';
import { scheduleOf } from './schedule.js';

export function createMethod(init: MethodInit): Method {
  switch (init.config.method) {
    case 'cc':
      return createCC(init);
    case 'scan':
      return createSCAN(init);
    case 'deepcluster':
      return createDeepCluster(init);
  }
}

/**
 * The config with everything a method derives from it fixed (SCAN's stage lengths) and its own
 * settings checked, before run.json is written.
 */
export function resolveConfig(config: TrainConfig): TrainConfig {
  if (config.method === 'deepcluster') checkDeepClusterConfig(config);
  if (config.method !== 'deepcluster') scheduleOf(config, 'cosine');
  if (config.method === 'scan') scanSettings(config);
  return config.method === 'scan' ? resolveScanConfig(config) : config;
}
