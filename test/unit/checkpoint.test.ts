import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '../../src/trainer/backend/stockGradients.js';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { dense, ParamSet } from '../../src/trainer/models/layers.js';
import {
  CheckpointError,
  checkpointEpoch,
  loadCheckpoint,
  saveCheckpoint,
} from '../../src/trainer/run/checkpoint.js';
import { Rng } from '../../src/trainer/util/rng.js';

before(async () => {
  await tf.setBackend('cpu');
});

function model(seed: number) {
  const p = new ParamSet(new Rng(seed));
  const layer = dense(p, 'fc', 3, 2);
  const opt = tf.train.adam(0.01);
  const x = tf.tensor2d([
    [1, 2, 3],
    [0, -1, 1],
  ]);
  const step = () =>
    opt.minimize(() => tf.sum(tf.square(layer.apply(x, true))) as tf.Scalar, false, [
      ...p.trainable.values(),
    ]);
  return { p, opt, step };
}

const values = (p: ParamSet) => [...p.all().values()].map((v) => Array.from(v.dataSync()));

/** Largest absolute difference between two models' values. */
function maxDiff(a: number[][], b: number[][]): number {
  let d = 0;
  a.forEach((row, i) => row.forEach((x, j) => (d = Math.max(d, Math.abs(x - b[i]![j]!)))));
  return d;
}

test('a checkpoint restores weights and Adam state: the next step is the same step', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ckpt-'));
  const a = model(1);
  a.step();
  a.step();
  await saveCheckpoint(dir, 'cc', 2, a.p, a.opt);
  assert.equal(await checkpointEpoch(dir), 2);

  const b = model(99);
  assert.notDeepEqual(values(b.p), values(a.p));
  assert.equal(await loadCheckpoint(dir, 'cc', b.p, b.opt), 2);
  assert.deepEqual(values(b.p), values(a.p));
  const before = values(a.p);
  a.step();
  b.step();
  // Adam recomputes beta^t with pow on restore where it had multiplied step by step: last-bit
  // differences only, far below the step itself.
  const step = maxDiff(values(a.p), before);
  assert.ok(step > 1e-3, `the step moved the weights by ${step}`);
  assert.ok(
    maxDiff(values(b.p), values(a.p)) < 1e-4 * step,
    `restored model diverged by ${maxDiff(values(b.p), values(a.p))}`,
  );
});

test('only the newest weights file is kept', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ckpt-'));
  const a = model(1);
  await saveCheckpoint(dir, 'cc', 1, a.p, a.opt);
  await saveCheckpoint(dir, 'cc', 2, a.p, a.opt);
  assert.deepEqual(readdirSync(dir).sort(), ['manifest.json', 'weights-2.bin']);
});

test('no checkpoint is epoch 0', async () => {
  assert.equal(await checkpointEpoch(mkdtempSync(join(tmpdir(), 'ckpt-'))), 0);
});

test('a foreign or tampered checkpoint is refused with the reason', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ckpt-'));
  const a = model(1);
  await saveCheckpoint(dir, 'cc', 1, a.p, a.opt);
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  const tamper = async (change: (m: any) => void, reason: RegExp) => {
    const m = structuredClone(manifest);
    change(m);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
    await assert.rejects(
      loadCheckpoint(dir, 'cc', model(2).p, tf.train.adam(0.1)),
      (e: Error) => e instanceof CheckpointError && reason.test(e.message),
    );
  };
  await tamper((m) => (m.format = 'pickle'), /unknown format/);
  await tamper((m) => (m.file = '../../etc/passwd'), /weights-<epoch>\.bin/);
  await tamper((m) => (m.tensors[0].offset = 1e9), /outside the weights file/);
  await tamper((m) => (m.bytes += 4), /has \d+ bytes, the manifest says/);
  await tamper((m) => (m.tensors[0].name = 'fc.other'), /no variable fc\.other/);
  await tamper((m) => (m.tensors[0].shape = [2, 3]), /is 2x3/);
  await tamper((m) => (m.method = 'scan'), /written by scan/);
  writeFileSync(join(dir, 'manifest.json'), '{not json');
  await assert.rejects(loadCheckpoint(dir, 'cc', model(2).p, tf.train.adam(0.1)), /not JSON/);
});
