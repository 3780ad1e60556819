// A labelled image folder drawn at test time: 4 classes of tiny RGB images that a clustering
// method must tell apart by shape and texture, not by colour or position. Each image gets a random
// foreground and background colour and pixel noise, so k-means on raw pixels groups them mostly
// by colour; the methods' augmentations (colour jitter, crops, flips) teach them to look past it.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { Rng } from '../../src/trainer/util/rng.js';

export const SYNTHETIC_CLASSES = ['hstripes', 'vstripes', 'checker', 'diagonal'] as const;

/** Is pixel (x, y) foreground in an image of class `cls`? `p` holds the image's random phase/position. */
function inside(cls: number, x: number, y: number, p: { period: number; dx: number; dy: number }): boolean {
  const half = p.period / 2;
  const band = (v: number) => (v + p.period * 4) % p.period < half;
  if (cls === 0) return band(y + p.dy);
  if (cls === 1) return band(x + p.dx);
  if (cls === 2) return band(x + p.dx) !== band(y + p.dy);
  return band(x + y + p.dx);
}

/** Writes `perClass` PNGs of `size` px per class to DIR/<class>/<i>.png; returns DIR. */
export async function makeSyntheticClasses(
  dir: string,
  perClass: number,
  size = 16,
  seed = 1,
): Promise<string> {
  const rng = new Rng(seed);
  const tint = (level: number) => [0, 1, 2].map(() => level + (rng.next() - 0.5) * 60);
  const writes: Promise<unknown>[] = [];
  for (let cls = 0; cls < SYNTHETIC_CLASSES.length; cls++) {
    const folder = join(dir, SYNTHETIC_CLASSES[cls]!);
    mkdirSync(folder, { recursive: true });
    for (let i = 0; i < perClass; i++) {
      // A dark background and a bright foreground, each of a random tint and level.
      const level = 30 + rng.next() * 60;
      const bg = tint(level);
      const fg = tint(level + 90 + rng.next() * 60);
      const p = {
        period: 4 + 2 * Math.floor(rng.next() * 2),
        dx: Math.floor(rng.next() * 8),
        dy: Math.floor(rng.next() * 8),
      };
      const px = new Uint8Array(size * size * 3);
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const c = inside(cls, x, y, p) ? fg : bg;
          for (let ch = 0; ch < 3; ch++)
            px[(y * size + x) * 3 + ch] = Math.max(0, Math.min(255, c[ch]! + (rng.next() - 0.5) * 60));
        }
      }
      writes.push(
        sharp(Buffer.from(px), { raw: { width: size, height: size, channels: 3 } })
          .png()
          .toFile(join(folder, `${i}.png`)),
      );
    }
  }
  await Promise.all(writes);
  return dir;
}
