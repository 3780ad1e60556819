import { ConfigError } from '../run/config.js';
import { createCC } from './cc.js';
import type { Method, MethodInit } from './method.js';

export function createMethod(init: MethodInit): Method {
  switch (init.config.method) {
    case 'cc':
      return createCC(init);
    default:
      throw new ConfigError(`method ${init.config.method} is not available yet; use --method cc`);
  }
}
