import type { UMAP } from 'umap-js';
import { Rng } from '../util/rng.js';

/**
 * UMAP's layout optimisation (umap-learn's optimize_layout_euclidean, as umap-js 1.4 runs it) on
 * typed arrays: umap-js's own loop walks arrays of arrays and draws from a closure per negative
 * sample, and was 2/3 of a 70k map's time (README: map layout). Same algorithm, same schedule.
 */

/** Negative samples per positive sample, gradient clip and starting learning rate: umap-js's (and umap-learn's) defaults. */
const NEGATIVE_SAMPLE_RATE = 5;
const CLIP = 4;
const LEARNING_RATE = 1;
const REPULSION = 1;

/** The fuzzy graph's edges (with how often each is sampled), the initial 2-D embedding and the curve's a, b. */
export interface UmapProblem {
  /** Edge i moves point head[i] towards tail[i]. */
  head: Int32Array;
  tail: Int32Array;
  /** Edge i is sampled every epochsPerSample[i] epochs (1 for the heaviest edge); -1 never. */
  epochsPerSample: Float64Array;
  /** x0, y0, x1, y1, ...: the initial embedding; optimised in place. */
  xy: Float32Array;
  a: number;
  b: number;
  nEpochs: number;
}

/** The fields of umap-js's (private) optimizationState that initializeFit fills. */
interface UmapJsState {
  head: number[];
  tail: number[];
  epochsPerSample: number[];
  headEmbedding: number[][];
  a: number;
  b: number;
  nEpochs: number;
}

/** The problem umap-js set up in initializeFit (a 2-D fit), copied out of its optimisation state. */
export function problemFromUmapJs(umap: UMAP): UmapProblem {
  const s = (umap as unknown as { optimizationState: UmapJsState }).optimizationState;
  const rows = s.headEmbedding.length;
  if (
    rows === 0 ||
    s.head.length !== s.tail.length ||
    s.head.length !== s.epochsPerSample.length ||
    s.headEmbedding[0]!.length !== 2
  ) {
    throw new Error('umap-js: no 2-D optimisation state after initializeFit (has its layout changed?)');
  }
  const xy = new Float32Array(rows * 2);
  s.headEmbedding.forEach((p, i) => xy.set([p[0]!, p[1]!], 2 * i));
  return {
    head: Int32Array.from(s.head),
    tail: Int32Array.from(s.tail),
    epochsPerSample: Float64Array.from(s.epochsPerSample),
    xy,
    a: s.a,
    b: s.b,
    nEpochs: s.nEpochs,
  };
}

/** Runs the problem's epochs one step() at a time (the caller reports progress and checks for cancel between them). */
export class UmapOptimizer {
  readonly xy: Float32Array;
  readonly nEpochs: number;
  private epoch = 0;
  private readonly nextSample: Float64Array;
  private readonly perNegative: Float64Array;
  private readonly nextNegative: Float64Array;
  /** xorshift32 state: an integer draw per negative sample, seeded from the run's seed. */
  private state: number;

  constructor(
    private readonly p: UmapProblem,
    seed: number,
  ) {
    this.xy = p.xy;
    this.nEpochs = p.nEpochs;
    this.nextSample = Float64Array.from(p.epochsPerSample);
    this.perNegative = p.epochsPerSample.map((e) => e / NEGATIVE_SAMPLE_RATE);
    this.nextNegative = Float64Array.from(this.perNegative);
    this.state = Math.floor(Rng.derive(seed, 'layout', 'epochs').next() * 4294967296) | 0 || 1;
  }

  get done(): boolean {
    return this.epoch >= this.nEpochs;
  }

  /** One epoch: every edge due is pulled together, with its negative samples pushed apart; the learning rate decays linearly. */
  step(): void {
    const n = this.epoch;
    if (n >= this.nEpochs) return;
    const { head, tail, epochsPerSample, a, b } = this.p;
    const { xy, nextSample, perNegative, nextNegative } = this;
    const rows = xy.length / 2;
    const alpha = LEARNING_RATE * (1 - n / this.nEpochs);
    let s = this.state;
    for (let i = 0; i < head.length; i++) {
      if (nextSample[i]! > n) continue;
      const j = head[i]!;
      const k = tail[i]!;
      let cx = xy[2 * j]!;
      let cy = xy[2 * j + 1]!;
      let dx = cx - xy[2 * k]!;
      let dy = cy - xy[2 * k + 1]!;
      let d2 = dx * dx + dy * dy;
      let coeff = 0;
      if (d2 > 0) {
        // d2^b: exp(b ln d2) took 30% less CPU than Math.pow, which was 3/4 of the loop's time.
        const pb = Math.exp(b * Math.log(d2));
        coeff = (-2 * a * b * (pb / d2)) / (a * pb + 1);
      }
      let gx = clip(coeff * dx);
      let gy = clip(coeff * dy);
      cx += gx * alpha;
      cy += gy * alpha;
      xy[2 * k] = xy[2 * k]! - gx * alpha;
      xy[2 * k + 1] = xy[2 * k + 1]! - gy * alpha;
      nextSample[i] = nextSample[i]! + epochsPerSample[i]!;
      const negatives = Math.floor((n - nextNegative[i]!) / perNegative[i]!);
      for (let q = 0; q < negatives; q++) {
        s ^= s << 13;
        s ^= s >>> 17;
        s ^= s << 5;
        const m = Math.floor((s >>> 0) * 2.3283064365386963e-10 * rows);
        // The point itself (its moved position is still in cx): umap-js skips it too.
        if (m === j) continue;
        dx = cx - xy[2 * m]!;
        dy = cy - xy[2 * m + 1]!;
        d2 = dx * dx + dy * dy;
        if (d2 > 0) {
          coeff = (2 * REPULSION * b) / ((0.001 + d2) * (a * Math.exp(b * Math.log(d2)) + 1));
          gx = clip(coeff * dx);
          gy = clip(coeff * dy);
        } else {
          // Two points on the same spot: push at the clip value, as umap-js does.
          gx = CLIP;
          gy = CLIP;
        }
        cx += gx * alpha;
        cy += gy * alpha;
      }
      xy[2 * j] = cx;
      xy[2 * j + 1] = cy;
      nextNegative[i] = nextNegative[i]! + negatives * perNegative[i]!;
    }
    this.state = s;
    this.epoch++;
  }
}

function clip(g: number): number {
  return g > CLIP ? CLIP : g < -CLIP ? -CLIP : g;
}
