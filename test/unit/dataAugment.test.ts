import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import {
  applyAugment,
  blurKernelSize,
  ccAugment,
  sampleAugment,
  type AugmentParams,
} from '../../src/trainer/data/augment.js';
import { Rng } from '../../src/trainer/util/rng.js';

before(() => {
  setWasmPaths(
    fileURLToPath(new URL('../../node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url)),
  );
});

/** Parameters that change nothing: full crop, no flip, no jitter, no grey, no blur. */
function identity(b: number, h: number, w: number): AugmentParams {
  const crops = new Int32Array(b * 4);
  for (let i = 0; i < b; i++) crops.set([0, 0, h, w], 4 * i);
  return {
    crops,
    flip: new Uint8Array(b),
    brightness: new Float32Array(b).fill(1),
    contrast: new Float32Array(b).fill(1),
    saturation: new Float32Array(b).fill(1),
    hue: new Float32Array(b),
    jitterOrder: Uint8Array.from({ length: b * 4 }, (_, i) => i % 4),
    grayscale: new Uint8Array(b),
    blurSigma: new Float32Array(b),
    blurKernel: 3,
  };
}

/** A batch with distinct, position-dependent values in (0, 1). */
function ramp(b: number, h: number, w: number, c: number): tf.Tensor4D {
  const v = Float32Array.from({ length: b * h * w * c }, (_, i) => ((i * 37) % 101) / 101 + 0.001);
  return tf.tensor4d(v, [b, h, w, c]);
}

function pixel(
  v: Float32Array | Int32Array | Uint8Array,
  [h, w, c]: [number, number, number],
  b: number,
  y: number,
  x: number,
): number[] {
  const o = ((b * h + y) * w + x) * c;
  return [...v.slice(o, o + c)];
}

const close = (a: number[], e: number[], tol = 1e-5): void =>
  assert.ok(
    a.length === e.length && a.every((v, i) => Math.abs(v - e[i]!) <= tol),
    `got [${a}] expected [${e}]`,
  );

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`ccAugment on ${backend}`, () => {
    before(async () => {
      assert.ok(await tf.setBackend(backend), `backend ${backend} did not initialise`);
      await tf.ready();
    });

    it('keeps shape and dtype, stays in [0, 1], leaks no tensors', async () => {
      for (const [h, c] of [
        [28, 1],
        [32, 3],
      ] as const) {
        const x = ramp(16, h, h, c);
        const before = tf.memory().numTensors;
        const y = ccAugment(x, new Rng(1));
        assert.deepEqual(y.shape, [16, h, h, c]);
        assert.equal(y.dtype, 'float32');
        const v = await y.data();
        assert.ok(v.every((p) => p >= 0 && p <= 1));
        assert.ok(
          v.some((p, i) => p !== (x.dataSync()[i] as number)),
          'the batch should change',
        );
        y.dispose();
        assert.equal(tf.memory().numTensors, before);
        x.dispose();
      }
    });

    it('is deterministic under the same seed and differs across seeds and draws', async () => {
      const x = ramp(8, 20, 20, 3);
      const a = await ccAugment(x, new Rng(42)).data();
      const b = await ccAugment(x, new Rng(42)).data();
      const c = await ccAugment(x, new Rng(43)).data();
      assert.deepEqual(a, b);
      assert.notDeepEqual(a, c);
      const rng = new Rng(42);
      const first = await ccAugment(x, rng).data();
      const second = await ccAugment(x, rng).data();
      assert.deepEqual(first, a);
      assert.notDeepEqual(first, second);
    });

    it('identity parameters (full-image crop) return the input exactly', async () => {
      const x = ramp(3, 7, 5, 3);
      assert.deepEqual(await applyAugment(x, identity(3, 7, 5)).data(), await x.data());
    });

    it('flip mirrors each row', async () => {
      const x = ramp(2, 4, 5, 3);
      const p = identity(2, 4, 5);
      p.flip[1] = 1;
      const y = await applyAugment(x, p).data();
      const xv = await x.data();
      for (let r = 0; r < 4; r++) {
        for (let col = 0; col < 5; col++) {
          assert.deepEqual(pixel(y, [4, 5, 3], 1, r, col), pixel(xv, [4, 5, 3], 1, r, 4 - col));
          assert.deepEqual(pixel(y, [4, 5, 3], 0, r, col), pixel(xv, [4, 5, 3], 0, r, col));
        }
      }
    });

    it('crop enlarges the chosen region', async () => {
      // 8x8 image: top-left 4x4 quadrant is 0.25, everything else 0.75; cropping that quadrant fills the output with 0.25.
      const v = new Float32Array(8 * 8).map((_, i) => (Math.floor(i / 8) < 4 && i % 8 < 4 ? 0.25 : 0.75));
      const p = identity(1, 8, 8);
      p.crops.set([0, 0, 4, 4]);
      const y = await applyAugment(tf.tensor4d(v, [1, 8, 8, 1]), p).data();
      assert.ok(y.every((q) => q === 0.25));
      // Bottom-right 2x2 of a 4x4 gradient, upsampled to 4x4: corners keep the region's corner values,
      // everything else lies between them.
      const g = Float32Array.from({ length: 16 }, (_, i) => i / 15);
      const q = identity(1, 4, 4);
      q.crops.set([2, 2, 2, 2]);
      const z = await applyAugment(tf.tensor4d(g, [1, 4, 4, 1]), q).data();
      close([z[0]!, z[3]!, z[12]!, z[15]!], [10 / 15, 11 / 15, 14 / 15, 15 / 15]);
      assert.ok(z.every((v) => v >= 10 / 15 - 1e-6 && v <= 1 + 1e-6));
      assert.ok(z[5]! > z[0]! && z[5]! < z[15]!);
    });

    it('grayscale makes the three channels equal to the luma', async () => {
      const x = ramp(2, 3, 3, 3);
      const p = identity(2, 3, 3);
      p.grayscale[0] = 1;
      const y = await applyAugment(x, p).data();
      const xv = await x.data();
      for (let i = 0; i < 9; i++) {
        const [r, g, b] = [xv[3 * i]!, xv[3 * i + 1]!, xv[3 * i + 2]!];
        close(
          [y[3 * i]!, y[3 * i + 1]!, y[3 * i + 2]!],
          [0, 0, 0].map(() => 0.299 * r + 0.587 * g + 0.114 * b),
        );
        assert.deepEqual(
          [y[27 + 3 * i], y[27 + 3 * i + 1], y[27 + 3 * i + 2]],
          [xv[27 + 3 * i], xv[27 + 3 * i + 1], xv[27 + 3 * i + 2]],
        );
      }
    });

    it('brightness, contrast, saturation and hue do what torchvision does', async () => {
      const rgb = tf.tensor4d([0.5, 0.25, 0, 0.9, 0.9, 0.9], [1, 1, 2, 3]);
      const run = async (set: (p: AugmentParams) => void): Promise<number[]> => {
        const p = identity(1, 1, 2);
        set(p);
        return [...(await applyAugment(rgb, p).data())];
      };
      close(await run((p) => (p.brightness[0] = 1.2)), [0.6, 0.3, 0, 1, 1, 1]); // clamped at 1
      // Contrast 0: every pixel becomes the mean grey level of the image.
      const mean = (0.299 * 0.5 + 0.587 * 0.25 + 0.9) / 2;
      close(await run((p) => (p.contrast[0] = 0)), [mean, mean, mean, mean, mean, mean]);
      const grey0 = 0.299 * 0.5 + 0.587 * 0.25;
      close(await run((p) => (p.saturation[0] = 0)), [grey0, grey0, grey0, 0.9, 0.9, 0.9]);
      // Hue +1/3 turn: orange (h = 30 deg) -> h = 150 deg, same S and V; grey is unchanged.
      close(await run((p) => (p.hue[0] = 1 / 3)), [0, 0.5, 0.25, 0.9, 0.9, 0.9]);
      close(await run((p) => (p.hue[0] = -0.5)), [0, 0.25, 0.5, 0.9, 0.9, 0.9]);
    });

    it("applies each image's jitter ops in its own order", async () => {
      const x = tf.tensor4d([0.8, 0.8, 0.8, 0.2, 0.2, 0.2], [1, 1, 2, 3]);
      const run = async (order: number[]): Promise<number[]> => {
        const p = identity(1, 1, 2);
        p.brightness[0] = 1.5;
        p.contrast[0] = 0.5;
        p.jitterOrder.set(order);
        return [...(await applyAugment(x, p).data())];
      };
      // brightness first clamps 1.2 to 1 before contrast; contrast first keeps the values apart.
      close(await run([0, 1, 2, 3]), [0.825, 0.825, 0.825, 0.475, 0.475, 0.475]);
      close(await run([1, 0, 2, 3]), [0.975, 0.975, 0.975, 0.525, 0.525, 0.525]);
    });

    it('blur leaves constants alone, spreads an impulse symmetrically and keeps its mass', async () => {
      const flat = tf.fill([1, 9, 9, 1], 0.4) as tf.Tensor4D;
      const p = identity(1, 9, 9);
      p.blurSigma[0] = 1.5;
      const f = await applyAugment(flat, p).data();
      assert.ok(f.every((v) => Math.abs(v - 0.4) < 1e-6));
      const imp = new Float32Array(81);
      imp[4 * 9 + 4] = 1;
      const y = await applyAugment(tf.tensor4d(imp, [1, 9, 9, 1]), p).data();
      assert.ok(y[40]! < 1 && y[40]! > y[39]!);
      close([y[39]!, y[31]!], [y[41]!, y[49]!], 1e-7);
      close([Array.from(y).reduce((a, b) => a + b, 0)], [1], 1e-5);
      // Only the centre's 3x3 neighbourhood is reached by a 3-tap kernel.
      assert.equal(y[2 * 9 + 4], 0);
    });

    it('grey input: colour-only ops are no-ops, brightness still applies', async () => {
      const x = ramp(1, 4, 4, 1);
      const p = identity(1, 4, 4);
      p.saturation[0] = 0;
      p.hue[0] = 0.3;
      p.grayscale[0] = 1;
      assert.deepEqual(await applyAugment(x, p).data(), await x.data());
      p.brightness[0] = 0.5;
      close(
        [...(await applyAugment(x, p).data())],
        [...(await x.data())].map((v) => v * 0.5),
      );
    });
  });
}

describe('sampleAugment', () => {
  it("draws torchvision's distributions", () => {
    // Blur is off by default (CC's CIFAR recipe); SimCLR's p 0.5 is asked for here.
    const p = sampleAugment([4000, 32, 32, 3], new Rng(7), { blurProb: 0.5 });
    const frac = (a: ArrayLike<number>, f: (v: number) => boolean): number =>
      Array.from(a).filter(f).length / a.length;
    assert.ok(Math.abs(frac(p.flip, (v) => v === 1) - 0.5) < 0.03);
    assert.ok(Math.abs(frac(p.brightness, (v) => v !== 1) - 0.8) < 0.03);
    assert.ok(Math.abs(frac(p.grayscale, (v) => v === 1) - 0.2) < 0.03);
    assert.ok(Math.abs(frac(p.blurSigma, (v) => v > 0) - 0.5) < 0.03);
    assert.ok(Array.from(p.brightness).every((v) => v >= 0.6 && v <= 1.4));
    assert.ok(Array.from(p.hue).every((v) => Math.abs(v) <= 0.1));
    assert.ok(Array.from(p.blurSigma).every((v) => v === 0 || (v >= 0.1 && v <= 2)));
    for (let i = 0; i < 4000; i++) {
      const [top, left, h, w] = p.crops.subarray(4 * i, 4 * i + 4);
      assert.ok(top! >= 0 && left! >= 0 && h! >= 1 && w! >= 1 && top! + h! <= 32 && left! + w! <= 32);
      assert.deepEqual([...p.jitterOrder.subarray(4 * i, 4 * i + 4)].sort(), [0, 1, 2, 3]);
    }
    const areas = Array.from({ length: 4000 }, (_, i) => (p.crops[4 * i + 2]! * p.crops[4 * i + 3]!) / 1024);
    assert.ok(Math.min(...areas) < 0.15 && Math.max(...areas) > 0.95);
  });

  it("blur is off by default, as CC's CIFAR recipe", () => {
    assert.ok(sampleAugment([200, 32, 32, 3], new Rng(2)).blurSigma.every((v) => v === 0));
  });

  it('config switches ops off; blur kernel is ~10% of the side, odd, at least 3', () => {
    const p = sampleAugment([50, 32, 32, 3], new Rng(1), {
      jitterProb: 0,
      grayscaleProb: 0,
      blurProb: 0,
      flipProb: 0,
      cropScale: [1, 1],
      cropRatio: [1, 1],
    });
    assert.ok(
      p.brightness.every((v) => v === 1) &&
        p.hue.every((v) => v === 0) &&
        p.grayscale.every((v) => v === 0) &&
        p.blurSigma.every((v) => v === 0),
    );
    assert.ok(p.flip.every((v) => v === 0));
    for (let i = 0; i < 50; i++) assert.deepEqual([...p.crops.subarray(4 * i, 4 * i + 4)], [0, 0, 32, 32]);
    assert.deepEqual(
      [28, 32, 96, 224].map((s) => blurKernelSize(s, 0.1)),
      [3, 3, 9, 23],
    );
  });
});
