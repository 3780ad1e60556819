import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ConfigError,
  defaultConfig,
  validateAgainstData,
  validateConfig,
} from '../../src/trainer/run/config.js';
import { csvField } from '../../src/common/runFiles.js';
import { METHOD_NAMES } from '../../src/common/methods/index.js';
import { Rng } from '../../src/trainer/util/rng.js';

test('defaults are valid and are the ones the README documents', () => {
  for (const m of METHOD_NAMES) validateConfig(defaultConfig(m, '/data'));
  // CC departs from the official 3e-4 / 256 for a CPU budget; SCAN and DeepCluster keep theirs.
  assert.deepEqual(
    (['cc', 'scan', 'deepcluster'] as const).map((m) => [
      defaultConfig(m, '/d').learningRate,
      defaultConfig(m, '/d').batchSize,
    ]),
    [
      [1e-3, 128],
      [1e-4, 256],
      [0.05, 256],
    ],
  );
});

test('out-of-range numbers are refused with the option name', () => {
  const bad: [Partial<ReturnType<typeof defaultConfig>>, RegExp][] = [
    [{ epochs: 0 }, /--epochs/],
    [{ epochs: 2.5 }, /--epochs/],
    [{ clusters: 1 }, /--clusters/],
    [{ clusters: -3 }, /--clusters/],
    [{ imageSize: 4 }, /--image-size/],
    [{ batchSize: 1 }, /--batch/],
    [{ learningRate: -1 }, /--lr/],
    [{ learningRate: Number.NaN }, /--lr/],
  ];
  for (const [change, message] of bad) {
    assert.throws(
      () => validateConfig({ ...defaultConfig('cc', '/d'), ...change }),
      (e: Error) => e instanceof ConfigError && message.test(e.message),
    );
  }
});

test('fewer images than clusters, and no images, are refused naming the folder', () => {
  const c = defaultConfig('cc', '/d');
  assert.throws(
    () => validateAgainstData(c, 5, '/photos'),
    /\/photos has 5 decodable images, fewer than --clusters 10/,
  );
  assert.throws(() => validateAgainstData(c, 0, '/photos'), /no decodable images in \/photos/);
  validateAgainstData(c, 10, '/photos');
});

test('CSV fields are quoted only when they must be', () => {
  assert.equal(csvField('a/b.png'), 'a/b.png');
  assert.equal(csvField('a,b.png'), '"a,b.png"');
  assert.equal(csvField('say "hi".png'), '"say ""hi"".png"');
});

test('derived random streams are reproducible and independent', () => {
  const a = Rng.derive(42, 'cc', 3);
  const b = Rng.derive(42, 'cc', 3);
  const c = Rng.derive(42, 'cc', 4);
  const xs = [a.next(), a.next(), a.next()];
  assert.deepEqual([b.next(), b.next(), b.next()], xs);
  assert.notDeepEqual([c.next(), c.next(), c.next()], xs);
  const perm = Array.from(Rng.derive(1, 'p').permutation(50)).sort((x, y) => x - y);
  assert.deepEqual(
    perm,
    Array.from({ length: 50 }, (_, i) => i),
  );
});
