import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';

/** A 128-px picture of five coloured discs on grey, different for each seed. */
export function discs(seed: number): Sharp {
  const w = 128;
  const px = Buffer.alloc(w * w * 3);
  let s = seed;
  const rnd = () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const blobs = Array.from(
    { length: 5 },
    () => [rnd() * w, rnd() * w, w / 8 + (rnd() * w) / 4, rnd() * 255, rnd() * 255, rnd() * 255] as const,
  );
  for (let y = 0; y < w; y++) {
    for (let x = 0; x < w; x++) {
      let c = [40, 40, 40];
      for (const [bx, by, r, R, G, B] of blobs) if ((x - bx) ** 2 + (y - by) ** 2 < r * r) c = [R, G, B];
      px.set(c, (y * w + x) * 3);
    }
  }
  return sharp(px, { raw: { width: w, height: w, channels: 3 } });
}

/**
 * An image folder with known duplicates: an exact copy (a/one.png = b/one-copy.png), a resized and
 * re-encoded copy (a/two.png ~ b/two-small.jpg, 96 px, JPEG quality 60), a brightened copy
 * (a/three.png ~ b/three-bright.png), six distinct images and a file that is not an image.
 */
export async function makeDuplicateFolder(dir: string): Promise<void> {
  mkdirSync(join(dir, 'a'), { recursive: true });
  mkdirSync(join(dir, 'b'), { recursive: true });
  await discs(1)
    .png()
    .toFile(join(dir, 'a', 'one.png'));
  copyFileSync(join(dir, 'a', 'one.png'), join(dir, 'b', 'one-copy.png'));
  await discs(2)
    .png()
    .toFile(join(dir, 'a', 'two.png'));
  await discs(2)
    .resize(96, 96)
    .jpeg({ quality: 60 })
    .toFile(join(dir, 'b', 'two-small.jpg'));
  await discs(3)
    .png()
    .toFile(join(dir, 'a', 'three.png'));
  await discs(3)
    .linear(1, 20)
    .png()
    .toFile(join(dir, 'b', 'three-bright.png'));
  for (let seed = 4; seed < 10; seed++)
    await discs(seed)
      .png()
      .toFile(join(dir, seed % 2 ? 'a' : 'b', `other${seed}.png`));
  writeFileSync(join(dir, 'b', 'broken.png'), 'not an image');
}
