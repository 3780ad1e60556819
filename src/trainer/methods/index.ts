import type { TrainConfig } from '../../protocol/run.js';
import { ConfigError } from '../run/config.js';
import { createCC } from './cc.js';
import type { Method, MethodInit } from './method.js';
import { resolveScanConfig } from './scanStages.js';

export function createMethod(init: MethodInit): Method {
  switch (init.config.method) {
    case 'cc':
      return createCC(init);
    default:
      throw new ConfigError(`method ${init.config.method} is not available yet; use --method cc`);
  }
}

/** The config with everything a method derives from it fixed (SCAN's stage lengths), before run.json is written. */
export function resolveConfig(config: TrainConfig): TrainConfig {
  return config.method === 'scan' ? resolveScanConfig(config) : config;
}
