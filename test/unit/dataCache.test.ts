import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdir, rm, stat, truncate, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, beforeEach, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadDataset, toFloatBatch, type Dataset, type LoadOptions } from '../../src/trainer/data/dataset.js';
import { decodeImage, type DecodeFn } from '../../src/trainer/data/decode.js';
import { put, rawToPng, solid, tmpFolders } from './dataFixtures.js';

const tmp = tmpFolders();

/** The real decoder, counting the files it is asked for: the seam that proves a cached load decodes nothing. */
function countingDecoder(): { decode: DecodeFn; calls: string[] } {
  const calls: string[] = [];
  return { calls, decode: (abs, o) => (calls.push(abs), decodeImage(abs, o)) };
}

/** Grey level encodes the image: file i is a solid image of value 10 * i. */
async function greyPng(v: number): Promise<Buffer> {
  return rawToPng(new Uint8Array(6 * 6).fill(v), 6, 6, 1);
}

/** Map path -> first pixel, to compare images across loads independent of their index. */
function firstPixels(ds: Dataset): Map<string, number> {
  const per = ds.size * ds.size * ds.channels;
  return new Map(ds.entries.map((e, i) => [e.path, ds.pixels[i * per]!]));
}

describe('loadDataset and the pixel cache', () => {
  let root = '';
  let cacheDir = '';
  let opts: LoadOptions;
  let counter: ReturnType<typeof countingDecoder>;

  before(async () => {
    tf.setBackend('cpu');
    await tf.ready();
  });

  beforeEach(async () => {
    root = await tmp('ds');
    cacheDir = await tmp('ds-cache');
    for (let i = 1; i <= 6; i++)
      await put(root, `${i <= 3 ? 'shapes' : 'plain'}/${i <= 3 ? 'a' : 'b'}/${i}.png`, await greyPng(10 * i));
    await put(root, 'plain/b/bad.png', 'not really a png');
    await put(root, 'plain/b/empty.jpg', new Uint8Array(0));
    counter = countingDecoder();
    opts = { imageSize: 4, channels: 1, cacheDir, decode: counter.decode, concurrency: 3 };
  });

  it('loads decoded pixels with labels, and reports failures in skipped', async () => {
    const ds = await loadDataset(root, opts);
    assert.equal(ds.n, 6);
    assert.equal(ds.pixels.length, 6 * 4 * 4);
    assert.deepEqual(
      ds.entries.map((e) => e.path),
      [
        'plain/b/4.png',
        'plain/b/5.png',
        'plain/b/6.png',
        'shapes/a/1.png',
        'shapes/a/2.png',
        'shapes/a/3.png',
      ],
    );
    assert.deepEqual([...firstPixels(ds).values()], [40, 50, 60, 10, 20, 30]);
    assert.deepEqual(ds.classes, ['a', 'b']);
    assert.deepEqual(ds.superClasses, ['plain', 'shapes']);
    assert.deepEqual([...ds.labels], [1, 1, 1, 0, 0, 0]);
    assert.deepEqual([...ds.superLabels], [0, 0, 0, 1, 1, 1]);
    assert.deepEqual(ds.skipped, [
      {
        path: 'plain/b/bad.png',
        reason: 'not a decodable image: unsupported image format (the file contains text)',
      },
      { path: 'plain/b/empty.jpg', reason: '0-byte file' },
    ]);
    assert.equal(counter.calls.length, 8);
    assert.equal(ds.ingest?.cacheWritten, true);
  });

  it('a second load decodes nothing, remembers failures, and gives identical pixels', async () => {
    const first = await loadDataset(root, opts);
    counter.calls.length = 0;
    const second = await loadDataset(root, opts);
    assert.deepEqual(counter.calls, []);
    assert.deepEqual(second.pixels, first.pixels);
    assert.deepEqual(second.entries, first.entries);
    assert.deepEqual(second.skipped, first.skipped);
    assert.deepEqual(
      second.ingest && [
        second.ingest.cached,
        second.ingest.decoded,
        second.ingest.failed,
        second.ingest.cacheWritten,
      ],
      [6, 0, 2, false],
    );
  });

  it('re-decodes only a file whose mtime changed', async () => {
    await loadDataset(root, opts);
    const file = join(root, 'shapes/a/2.png');
    const oldSize = (await stat(file)).size;
    await writeFile(file, await greyPng(222));
    assert.equal((await stat(file)).size, oldSize, 'same byte size: only the mtime tells the change');
    const later = new Date(Date.now() + 5000);
    await utimes(file, later, later);
    counter.calls.length = 0;
    const ds = await loadDataset(root, opts);
    assert.deepEqual(counter.calls, [file]);
    assert.equal(firstPixels(ds).get('shapes/a/2.png'), 222);
    assert.equal(firstPixels(ds).get('shapes/a/3.png'), 30);
  });

  it('drops removed files and decodes only new ones', async () => {
    const before = firstPixels(await loadDataset(root, opts));
    await rm(join(root, 'plain/b/5.png'));
    await put(root, 'shapes/c/7.png', await greyPng(70));
    counter.calls.length = 0;
    const ds = await loadDataset(root, opts);
    assert.deepEqual(counter.calls, [join(root, 'shapes/c/7.png')]);
    const after = firstPixels(ds);
    assert.equal(ds.n, 6);
    assert.equal(after.has('plain/b/5.png'), false);
    for (const [p, v] of after) if (p !== 'shapes/c/7.png') assert.equal(v, before.get(p), p);
    assert.equal(after.get('shapes/c/7.png'), 70);
    // And that state is what the rewritten cache holds.
    counter.calls.length = 0;
    assert.deepEqual(firstPixels(await loadDataset(root, opts)), after);
    assert.deepEqual(counter.calls, []);
  });

  it('retries a failed file once it changes', async () => {
    await loadDataset(root, opts);
    const bad = join(root, 'plain/b/bad.png');
    await writeFile(bad, await greyPng(99));
    counter.calls.length = 0;
    const ds = await loadDataset(root, opts);
    assert.deepEqual(counter.calls, [bad]);
    assert.equal(firstPixels(ds).get('plain/b/bad.png'), 99);
    assert.deepEqual(
      ds.skipped.map((s) => s.path),
      ['plain/b/empty.jpg'],
    );
  });

  it('keeps one cache per image size and channel count', async () => {
    await loadDataset(root, opts);
    counter.calls.length = 0;
    const rgb = await loadDataset(root, { ...opts, channels: 3, imageSize: 5 });
    assert.equal(counter.calls.length, 8);
    assert.equal(rgb.pixels.length, 6 * 5 * 5 * 3);
    const files = (await readdir(cacheDir)).sort();
    assert.equal(files.length, 2);
    assert.ok(
      files.every((f) => /^pixels-(4x4x1|5x5x3)-[0-9a-f]{16}\.bin$/.test(f)),
      files.join(),
    );
  });

  it('rebuilds from a damaged cache file instead of failing', async () => {
    const first = await loadDataset(root, opts);
    await truncate(first.ingest!.cacheFile, 100);
    counter.calls.length = 0;
    const ds = await loadDataset(root, opts);
    assert.equal(counter.calls.length, 8);
    assert.deepEqual(ds.pixels, first.pixels);
    await writeFile(first.ingest!.cacheFile, 'garbage');
    assert.deepEqual((await loadDataset(root, opts)).pixels, first.pixels);
  });

  it('leaves no temporary files and reports progress up to the total', async () => {
    const seen: [number, number][] = [];
    await loadDataset(root, { ...opts, onProgress: (d, t) => seen.push([d, t]) });
    assert.deepEqual(seen.at(-1), [8, 8]);
    assert.ok(seen.every(([d, t], i) => t === 8 && d <= t && (i === 0 || d >= seen[i - 1]![0])));
    assert.deepEqual(
      (await readdir(cacheDir)).filter((f) => !f.endsWith('.bin')),
      [],
    );
  });

  it('removes the temp file a killed ingest left when it writes the cache, not a live one', async () => {
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid!;
    const stale = `.pixels.bin.${deadPid}.0123456789ab.tmp`;
    const live = `.pixels.bin.${process.pid}.0123456789ab.tmp`;
    for (const f of [stale, live]) await writeFile(join(cacheDir, f), 'partial pixels');
    assert.equal((await loadDataset(root, opts)).ingest?.cacheWritten, true);
    assert.deepEqual(
      (await readdir(cacheDir)).filter((f) => !f.endsWith('.bin')),
      [live],
    );
  });

  it('still returns the data set when the cache folder cannot be written', async () => {
    const blocker = join(cacheDir, 'file');
    await writeFile(blocker, 'a file where a folder should be');
    const ds = await loadDataset(root, { ...opts, cacheDir: join(blocker, 'sub') });
    assert.equal(ds.n, 6);
    assert.equal(ds.ingest?.cacheWritten, false);
    assert.match(ds.warnings!.join('\n'), /pixel cache not saved/);
  });
});

describe('toFloatBatch', () => {
  it('gathers images in the given order as float32 NHWC in [0, 1]', async () => {
    await tf.setBackend('cpu');
    const root = await tmp('batch');
    const px = new Uint8Array(2 * 2 * 3);
    for (let i = 0; i < px.length; i++) px[i] = i * 20;
    await put(root, 'x/0.png', await rawToPng(px, 2, 2, 3));
    await put(root, 'x/1.png', await solid(2, 2, [255, 0, 51]));
    const ds = await loadDataset(root, { imageSize: 2, channels: 3, cacheDir: await tmp('batch-cache') });
    const t = toFloatBatch(ds, Int32Array.from([1, 0, 1]));
    assert.deepEqual(t.shape, [3, 2, 2, 3]);
    assert.equal(t.dtype, 'float32');
    const v = await t.data();
    assert.deepEqual([...v.slice(0, 3)], [1, 0, Math.fround(0.2)]);
    assert.deepEqual(
      [...v.slice(12, 24)],
      [...px].map((p) => Math.fround(p / 255)),
    );
    assert.deepEqual([...v.slice(24, 27)], [1, 0, Math.fround(0.2)]);
    t.dispose();
    assert.throws(() => toFloatBatch(ds, [2]), RangeError);
    assert.throws(() => toFloatBatch(ds, [-1]), RangeError);
  });
});
