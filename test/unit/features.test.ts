import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fromHalf, readRunFeatures, toHalf, writeRunFeatures } from '../../src/common/features.js';
import { readLayout, writeLayout } from '../../src/common/layout.js';
import { tmpFolders } from './dataFixtures.js';

const tmp = tmpFolders();

test('float16 encodes exact halves exactly and rounds others to nearest even', () => {
  const exact: [number, number][] = [
    [0, 0x0000],
    [1, 0x3c00],
    [-2, 0xc000],
    [0.5, 0x3800],
    [65504, 0x7bff],
    [2 ** -24, 0x0001],
    [2 ** -14, 0x0400],
  ];
  for (const [x, h] of exact) {
    assert.equal(toHalf(x), h, `toHalf(${x})`);
    assert.equal(fromHalf(h), x, `fromHalf(${h.toString(16)})`);
  }
  assert.equal(toHalf(1 + 2 ** -11), 0x3c00, 'a tie rounds to the even mantissa');
  assert.equal(toHalf(1 + 3 * 2 ** -11), 0x3c02, 'a tie rounds up to the even mantissa');
  assert.equal(toHalf(1e6), 0x7c00, 'overflow is infinity');
  assert.ok(Number.isNaN(fromHalf(toHalf(NaN))));
  for (const x of [0.123, -0.987, 0.0625, 0.3333])
    assert.ok(Math.abs(fromHalf(toHalf(x)) - x) <= Math.abs(x) * 2 ** -11);
});

test('a run folder keeps features and probabilities in row order, and a short file is refused by name', async () => {
  const dir = await tmp('features');
  assert.equal(await readRunFeatures(dir), undefined, 'no features.json: an older run');
  const features = new Float32Array([0.6, 0.8, 1, 0, 0, -1]);
  const probs = new Float32Array([0.25, 0.75, 1, 0, 0.5, 0.5]);
  await writeRunFeatures(dir, { rows: 3, dims: 2, clusters: 2, epoch: 7 }, features, probs);
  const back = (await readRunFeatures(dir))!;
  assert.deepEqual(back.meta, {
    format: 'clusterlab-features',
    version: 1,
    rows: 3,
    dims: 2,
    clusters: 2,
    epoch: 7,
  });
  assert.deepEqual([...back.probs], [...probs]);
  for (let i = 0; i < features.length; i++) assert.ok(Math.abs(back.features[i]! - features[i]!) < 1e-3);
  assert.equal(readFileSync(join(dir, 'features.f16')).byteLength, 12);
  writeFileSync(join(dir, 'probs.f32'), new Uint8Array(8));
  await assert.rejects(readRunFeatures(dir), /probs\.f32 has 8 bytes, features\.json says 24/);
  await assert.rejects(
    writeRunFeatures(dir, { rows: 3, dims: 3, clusters: 2, epoch: 1 }, features, probs),
    /features: 6 values for 3 x 3/,
  );
});

test('a layout keeps x, y per image, and one that does not match its header is refused by name', async () => {
  const dir = await tmp('layout');
  assert.equal(await readLayout(dir), undefined);
  const meta = { rows: 2, method: 'umap (test)', epoch: 3, knnPreservation: 0.5, seconds: 0.1 };
  await writeLayout(dir, meta, new Float32Array([1.5, -2, 0, 3.25]));
  const back = (await readLayout(dir))!;
  assert.deepEqual(back.meta, { format: 'clusterlab-layout', version: 1, ...meta });
  assert.deepEqual([...back.xy], [1.5, -2, 0, 3.25]);
  writeFileSync(join(dir, 'layout.f32'), new Uint8Array(12));
  await assert.rejects(readLayout(dir), /layout\.f32 has 12 bytes, layout\.json says 16/);
});
