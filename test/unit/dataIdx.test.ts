import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  FASHION_CLASSES,
  FASHION_MNIST_DIR,
  FASHION_SUPERCLASS,
  loadFashionMnist,
} from '../../src/trainer/data/fashion.js';
import { parseIdx } from '../../src/trainer/data/idx.js';
import { convertChannels, coverResize } from '../../src/trainer/data/resample.js';

function idx(type: number, dims: number[], body: Uint8Array): Uint8Array {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.set([0, 0, type, dims.length]);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, body]);
}

describe('parseIdx', () => {
  it('reads uint8 data, plain or gzipped', () => {
    const body = Uint8Array.from({ length: 2 * 3 * 2 }, (_, i) => i * 10);
    const raw = idx(0x08, [2, 3, 2], body);
    for (const buf of [raw, gzipSync(raw)]) {
      const a = parseIdx(buf);
      assert.deepEqual(a.dims, [2, 3, 2]);
      assert.ok(a.data instanceof Uint8Array);
      assert.deepEqual([...a.data], [...body]);
    }
  });

  it('reads big-endian wider types', () => {
    const body = Buffer.alloc(8);
    body.writeInt32BE(-5, 0);
    body.writeInt32BE(70000, 4);
    assert.deepEqual([...parseIdx(idx(0x0c, [2], body)).data], [-5, 70000]);
    const f = Buffer.alloc(4);
    f.writeFloatBE(1.5, 0);
    assert.deepEqual([...parseIdx(idx(0x0d, [1], f)).data], [1.5]);
  });

  it('rejects bad magic, unknown types and truncation with the source name', () => {
    assert.throws(() => parseIdx(Buffer.from([1, 2, 3, 4]), 'x.idx'), /x\.idx: not an IDX file/);
    assert.throws(() => parseIdx(idx(0x07, [1], Buffer.alloc(1))), /unknown IDX data type 0x7/);
    assert.throws(
      () => parseIdx(idx(0x08, [10], Buffer.alloc(5))),
      /truncated IDX data \(13 bytes, expected 18\)/,
    );
  });
});

describe('Fashion-MNIST', () => {
  it('is installed (scripts/setup.sh installs the Debian package dataset-fashion-mnist)', () => {
    assert.ok(
      existsSync(FASHION_MNIST_DIR),
      `${FASHION_MNIST_DIR} is missing: run bash scripts/setup.sh (it installs dataset-fashion-mnist)`,
    );
  });

  it('loads the 10k test split with 1,000 images per class', async () => {
    const t = await loadFashionMnist('test');
    assert.deepEqual([t.n, t.rows, t.cols, t.images.length], [10000, 28, 28, 10000 * 784]);
    const counts = new Array(10).fill(0);
    for (const l of t.labels) counts[l]++;
    assert.deepEqual(counts, new Array(10).fill(1000));
  });

  it('names ten classes and gives each a super-class', () => {
    assert.equal(FASHION_CLASSES.length, 10);
    assert.deepEqual(
      new Set(Object.values(FASHION_SUPERCLASS)),
      new Set(['tops', 'bottoms', 'dresses', 'footwear', 'bags']),
    );
    for (const c of FASHION_CLASSES) assert.ok(FASHION_SUPERCLASS[c]);
  });
});

describe('resample', () => {
  it('cover-resize keeps constants, copies same-size images and centre-crops', () => {
    const flat = new Uint8Array(30 * 20 * 3).fill(77);
    assert.ok(coverResize(flat, 30, 20, 3, 9).every((v) => v === 77));
    const src = Uint8Array.from({ length: 16 }, (_, i) => i);
    const same = coverResize(src, 4, 4, 1, 4);
    assert.deepEqual(same, src);
    assert.notEqual(same, src);
    // 6x2 image, columns 0-1 = 0, 2-3 = 200, 4-5 = 0: the 2x2 cover crop is the middle two columns.
    const wide = Uint8Array.from({ length: 12 }, (_, i) => (i % 6 === 2 || i % 6 === 3 ? 200 : 0));
    assert.deepEqual([...coverResize(wide, 6, 2, 1, 2)], [200, 200, 200, 200]);
  });

  it("converts channels with PIL's luma and by replication", () => {
    assert.deepEqual(
      [...convertChannels(Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]), 4, 3, 1)],
      [76, 150, 29, 18],
    );
    assert.deepEqual([...convertChannels(Uint8Array.from([7, 9]), 2, 1, 3)], [7, 7, 7, 9, 9, 9]);
    assert.deepEqual(
      [...convertChannels(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]), 2, 4, 3)],
      [1, 2, 3, 5, 6, 7],
    );
  });
});
