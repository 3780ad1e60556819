import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import {
  decodeImage,
  decodeMany,
  sniffSize,
  type DecodeOptions,
  type DecodeResult,
} from '../../src/trainer/data/decode.js';
import { decodeSimplePng } from '../../src/trainer/data/png.js';
import { bands, bombPng, makeTmp, noise, put, rawToPng, solid } from './dataFixtures.js';

let dir = '';
let cleanup = async (): Promise<void> => {};
before(async () => ({ dir, cleanup } = await makeTmp('decode')));
after(() => cleanup());

async function decode(name: string, data: Uint8Array | string, opts: DecodeOptions): Promise<DecodeResult> {
  return decodeImage(await put(dir, name, data), opts);
}

function ok(r: DecodeResult): Uint8Array {
  if (!r.ok) assert.fail(`expected a decoded image, got: ${r.reason}`);
  return r.pixels;
}

/** Max |a - b| over the pixels whose channel values are given, per pixel. */
function maxDiff(px: Uint8Array, c: number, expect: number[]): number {
  let m = 0;
  for (let i = 0; i < px.length; i++) m = Math.max(m, Math.abs(px[i]! - expect[i % c]!));
  return m;
}

const RED: [number, number, number] = [255, 0, 0];
const GREEN: [number, number, number] = [0, 255, 0];
const BLUE: [number, number, number] = [0, 0, 255];

describe('decodeImage geometry', () => {
  // Wide image: 10 px red | 40 px green | 10 px blue, 60 x 20. Cover + centre crop keeps columns 20..40: all green.
  const wide = bands(60, 20, 10, 50, RED, GREEN, BLUE);

  it('centre-crops the longer side (small PNG, JS path)', async () => {
    const px = ok(await decode('wide.png', await rawToPng(wide, 60, 20, 3), { size: 10, channels: 3 }));
    assert.equal(px.length, 10 * 10 * 3);
    assert.ok(maxDiff(px, 3, GREEN) <= 1, `max diff ${maxDiff(px, 3, GREEN)}`);
  });

  it('centre-crops the longer side (large PNG, sharp path)', async () => {
    const big = bands(600, 200, 100, 500, RED, GREEN, BLUE);
    const px = ok(await decode('wide-big.png', await rawToPng(big, 600, 200, 3), { size: 10, channels: 3 }));
    assert.ok(maxDiff(px, 3, GREEN) <= 1, `max diff ${maxDiff(px, 3, GREEN)}`);
  });

  it('keeps the crop centred: left and right halves of a two-colour square', async () => {
    const sq = bands(40, 40, 20, 20, RED, RED, BLUE);
    const px = ok(await decode('halves.png', await rawToPng(sq, 40, 40, 3), { size: 8, channels: 3 }));
    // Column 0 red, column 7 blue, on every row.
    for (let y = 0; y < 8; y++) {
      assert.deepEqual([...px.subarray(y * 8 * 3, y * 8 * 3 + 3)], RED);
      assert.deepEqual([...px.subarray((y * 8 + 7) * 3, (y * 8 + 7) * 3 + 3)], BLUE);
    }
  });

  it('upscales a small image to S x S', async () => {
    const px = ok(await decode('tiny.png', await solid(4, 4, [10, 20, 30]), { size: 32, channels: 3 }));
    assert.equal(px.length, 32 * 32 * 3);
    assert.equal(maxDiff(px, 3, [10, 20, 30]), 0);
  });

  it('applies EXIF orientation (JPEG rotated 90 degrees)', async () => {
    // Stored 40 x 20 with red on the left, blue on the right; orientation 6 shows it 20 x 40, red on top.
    const stored = await sharp(Buffer.from(bands(40, 20, 20, 20, RED, RED, BLUE)), {
      raw: { width: 40, height: 20, channels: 3 },
    })
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const px = ok(await decode('rotated.jpg', stored, { size: 10, channels: 3 }));
    const top = [...px.subarray(5 * 3, 5 * 3 + 3)];
    const bottom = [...px.subarray((9 * 10 + 5) * 3, (9 * 10 + 5) * 3 + 3)];
    // Orientation 6 rotates clockwise: the stored left (red) edge becomes the top.
    assert.ok(top[0]! > 200 && top[2]! < 60, `top ${top}`);
    assert.ok(bottom[2]! > 200 && bottom[0]! < 60, `bottom ${bottom}`);
  });
});

describe('decodeImage colour handling', () => {
  it('decodes JPEG, WebP, TIFF and GIF', async () => {
    for (const fmt of ['jpeg', 'webp', 'tiff', 'gif'] as const) {
      const px = ok(
        await decode(`solid.${fmt}`, await solid(16, 16, [200, 100, 50], fmt), { size: 8, channels: 3 }),
      );
      assert.ok(maxDiff(px, 3, [200, 100, 50]) <= 6, `${fmt}: max diff ${maxDiff(px, 3, [200, 100, 50])}`);
    }
  });

  it('flattens alpha onto white by default and onto black on request', async () => {
    // Left half fully transparent red, right half half-transparent blue.
    const rgba = new Uint8Array(8 * 8 * 4);
    for (let y = 0; y < 8; y++)
      for (let x = 0; x < 8; x++) rgba.set(x < 4 ? [255, 0, 0, 0] : [0, 0, 255, 128], (y * 8 + x) * 4);
    const png = await rawToPng(rgba, 8, 8, 4);
    const white = ok(await decode('alpha.png', png, { size: 8, channels: 3 }));
    assert.deepEqual([...white.subarray(0, 3)], [255, 255, 255]);
    assert.deepEqual([...white.subarray(7 * 3, 7 * 3 + 3)], [127, 127, 255]);
    const black = ok(await decode('alpha.png', png, { size: 8, channels: 3, background: 'black' }));
    assert.deepEqual([...black.subarray(0, 3)], [0, 0, 0]);
    assert.deepEqual([...black.subarray(7 * 3, 7 * 3 + 3)], [0, 0, 128]);
  });

  it('flattens alpha the same way on the sharp path (large RGBA PNG)', async () => {
    const rgba = new Uint8Array(300 * 300 * 4);
    for (let i = 0; i < 300 * 300; i++) rgba.set([0, 0, 255, 128], i * 4);
    const px = ok(
      await decode('alpha-big.png', await rawToPng(rgba, 300, 300, 4), { size: 10, channels: 3 }),
    );
    assert.ok(maxDiff(px, 3, [127, 127, 255]) <= 1, `max diff ${maxDiff(px, 3, [127, 127, 255])}`);
  });

  it('reduces 16-bit PNG to 8 bits', async () => {
    const u16 = new Uint16Array(6 * 6 * 3);
    for (let i = 0; i < u16.length; i += 3) u16.set([0xffff, 0x8080, 0x0000], i);
    const png16 = await sharp(u16, { raw: { width: 6, height: 6, channels: 3 } })
      .toColourspace('rgb16')
      .png()
      .toBuffer();
    assert.equal((await sharp(png16).metadata()).depth, 'ushort');
    const px = ok(await decode('deep.png', png16, { size: 6, channels: 3 }));
    assert.equal(maxDiff(px, 3, [255, 128, 0]), 0);
  });

  it('converts to grey with ITU-R 601 luma and grey to RGB by replication', async () => {
    const red = ok(await decode('red.png', await solid(8, 8, RED), { size: 8, channels: 1 }));
    assert.equal(red.length, 64);
    assert.equal(maxDiff(red, 1, [76]), 0); // round(0.299 * 255)
    const grey = new Uint8Array(8 * 8).fill(90);
    const rgb = ok(await decode('grey.png', await rawToPng(grey, 8, 8, 1), { size: 8, channels: 3 }));
    assert.equal(maxDiff(rgb, 3, [90, 90, 90]), 0);
  });

  it('takes the first frame of an animated GIF', async () => {
    const frames = [await solid(8, 8, RED), await solid(8, 8, BLUE)];
    const gif = await sharp(frames, { join: { animated: true } })
      .gif()
      .toBuffer();
    assert.equal((await sharp(gif).metadata()).pages, 2);
    const px = ok(await decode('anim.gif', gif, { size: 8, channels: 3 }));
    assert.ok(maxDiff(px, 3, RED) <= 2);
  });
});

describe('JS PNG fast path agrees with sharp', () => {
  it('gives the same bytes as libvips for grey, RGB, grey+alpha and RGBA noise images', async () => {
    for (const [channels, seed] of [
      [1, 1],
      [3, 2],
      [2, 3],
      [4, 4],
    ] as const) {
      for (const adaptiveFiltering of [false, true]) {
        const w = 23;
        const h = 17;
        const png = await rawToPng(noise(w * h * channels, seed), w, h, channels, { adaptiveFiltering });
        const fast = decodeSimplePng(png, 1e6);
        assert.ok(fast, `channels ${channels}: the fast path should accept this file`);
        const ref = await sharp(png).raw().toBuffer({ resolveWithObject: true });
        assert.equal(fast.channels, channels);
        // sharp outputs grey as sRGB; compare the first channel of each pixel for grey inputs.
        const refPx = ref.data;
        const rc = ref.info.channels;
        for (let p = 0; p < w * h; p++) {
          for (let k = 0; k < channels; k++) {
            const refK = channels <= 2 && rc >= 3 ? (k === 0 ? 0 : 3) : k;
            assert.equal(
              fast.data[p * channels + k],
              refPx[p * rc + refK],
              `channels ${channels} pixel ${p} channel ${k}`,
            );
          }
        }
      }
    }
  });

  it('leaves interlaced, palette and 16-bit PNGs to sharp', async () => {
    const rgb = noise(10 * 10 * 3, 7);
    const interlaced = await sharp(Buffer.from(rgb), { raw: { width: 10, height: 10, channels: 3 } })
      .png({ progressive: true })
      .toBuffer();
    const palette = await sharp(Buffer.from(rgb), { raw: { width: 10, height: 10, channels: 3 } })
      .png({ palette: true })
      .toBuffer();
    assert.equal(decodeSimplePng(interlaced, 1e6), undefined);
    assert.equal(decodeSimplePng(palette, 1e6), undefined);
    // ...and those still decode, through sharp.
    ok(await decode('interlaced.png', interlaced, { size: 10, channels: 3 }));
    ok(await decode('palette.png', palette, { size: 10, channels: 3 }));
  });
});

describe('decode failures are reasons, not exceptions', () => {
  const opts: DecodeOptions = { size: 8, channels: 3 };

  it('0-byte file', async () => {
    assert.deepEqual(await decode('empty.png', new Uint8Array(0), opts), {
      ok: false,
      reason: '0-byte file',
    });
  });

  it('text saved as .jpg', async () => {
    const r = await decode('notes.jpg', 'shopping list: eggs, milk\n', opts);
    assert.deepEqual(r, {
      ok: false,
      reason: 'not a decodable image: unsupported image format (the file contains text)',
    });
  });

  it('random bytes', async () => {
    const r = await decode('garbage.png', noise(2000, 9), opts);
    assert.deepEqual(r, { ok: false, reason: 'not a decodable image: unsupported image format' });
  });

  it('truncated PNG and JPEG', async () => {
    const png = await rawToPng(noise(64 * 64 * 3, 5), 64, 64, 3);
    const r1 = await decode('cut.png', png.subarray(0, Math.floor(png.length * 0.6)), opts);
    assert.equal(r1.ok, false);
    assert.match((r1 as { reason: string }).reason, /^truncated PNG \(no IEND chunk\)/);
    const jpg = await sharp(Buffer.from(noise(64 * 64 * 3, 6)), {
      raw: { width: 64, height: 64, channels: 3 },
    })
      .jpeg()
      .toBuffer();
    const r2 = await decode('cut.jpg', jpg.subarray(0, Math.floor(jpg.length * 0.6)), opts);
    assert.equal(r2.ok, false);
    assert.match((r2 as { reason: string }).reason, /^truncated JPEG \(no end-of-image marker\)/);
  });

  it('refuses a decompression bomb from its header, fast', async () => {
    const t = performance.now();
    const r = await decode('bomb.png', bombPng(30000, 30000), opts);
    assert.deepEqual(r, { ok: false, reason: 'exceeds pixel limit 268 MP (30000x30000 = 900 MP)' });
    assert.ok(performance.now() - t < 500, 'should not try to decode');
  });

  it('honours a custom pixel limit, on the sharp path too', async () => {
    const r = await decode('big.jpg', await solid(100, 100, RED, 'jpeg'), {
      ...opts,
      limitInputPixels: 5000,
    });
    assert.equal(r.ok, false);
    assert.match((r as { reason: string }).reason, /^exceeds pixel limit 0 MP/);
    const webp = await decode('big.webp', await solid(100, 100, RED, 'webp'), {
      ...opts,
      limitInputPixels: 5000,
    });
    assert.equal(webp.ok, false);
    assert.match((webp as { reason: string }).reason, /exceeds pixel limit .*\(100x100/);
  });

  it('a missing file', async () => {
    const r = await decodeImage(`${dir}/does-not-exist.png`, opts);
    assert.deepEqual(r, { ok: false, reason: 'unreadable file: removed after the folder scan (ENOENT)' });
  });
});

describe('sniffSize and decodeMany', () => {
  it('reads dimensions from PNG, GIF and JPEG headers', async () => {
    assert.deepEqual(sniffSize(await solid(31, 17, RED)), { w: 31, h: 17, format: 'png' });
    assert.deepEqual(sniffSize(await solid(31, 17, RED, 'gif')), { w: 31, h: 17, format: 'gif' });
    assert.deepEqual(sniffSize(await solid(31, 17, RED, 'jpeg')), { w: 31, h: 17, format: 'jpeg' });
    assert.equal(sniffSize(await solid(31, 17, RED, 'webp')), undefined);
  });

  it('decodes every job once, reports each result, and survives a throwing decoder', async () => {
    const files = await Promise.all(
      [0, 1, 2, 3, 4].map(async (i) => ({
        abs: await put(dir, `many/${i}.png`, await solid(5, 5, [i * 10, 0, 0])),
      })),
    );
    const seen = new Map<number, DecodeResult>();
    await decodeMany(
      files,
      { size: 5, channels: 3 },
      (i, r) => seen.set(i, r),
      async (abs, o) => {
        if (abs.endsWith('3.png')) throw new Error('boom');
        return decodeImage(abs, o);
      },
      2,
    );
    assert.equal(seen.size, 5);
    assert.deepEqual(seen.get(3), { ok: false, reason: 'decode failed: boom' });
    assert.equal(ok(seen.get(2)!)[0], 20);
  });
});
