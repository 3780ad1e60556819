// Fashion-MNIST written out as 28x28 grey PNGs (<class>/<i>.png: test split, then train), for the
// benches that read image folders. Written once per n under `root` and reused.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { FASHION_CLASSES, loadFashionMnist } from '../src/trainer/data/fashion.js';

export async function fashionFixture(root: string, n: number): Promise<string> {
  const dir = join(root, `fashion-${n}`);
  const marker = join(dir, '.complete');
  if (existsSync(marker) && (await readFile(marker, 'utf8')) === String(n)) return dir;
  await rm(dir, { recursive: true, force: true });
  console.log(`writing ${n} PNGs to ${dir} (once)...`);
  const [test, train] = await Promise.all([loadFashionMnist('test'), loadFashionMnist('train')]);
  for (const c of FASHION_CLASSES) await mkdir(join(dir, c), { recursive: true });
  let next = 0;
  const write = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      const [split, j] = i < test.n ? [test, i] : [train, i - test.n];
      const px = split.images.subarray(j * 784, (j + 1) * 784);
      const png = await sharp(Buffer.from(px), { raw: { width: 28, height: 28, channels: 1 } })
        .toColourspace('b-w')
        .png()
        .toBuffer();
      await writeFile(join(dir, FASHION_CLASSES[split.labels[j]!]!, `${i}.png`), png);
    }
  };
  await Promise.all(Array.from({ length: 16 }, write));
  await writeFile(marker, String(n));
  return dir;
}
