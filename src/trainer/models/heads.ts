import { dense, sequential, type Layer, type ParamSet } from './layers.js';

/** Two-layer MLP projection head (in -> hidden -> out, ReLU between), as CC's ICH/CCH and SimCLR's head. */
export function mlpHead(p: ParamSet, name: string, inF: number, hidden: number, out: number): Layer {
  return sequential(dense(p, `${name}.fc1`, inF, hidden, 'relu'), dense(p, `${name}.fc2`, hidden, out));
}
