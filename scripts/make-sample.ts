// npm run sample: writes the embedded demo data set sample/fashion/<super>/<class>/<index>.png from
// Fashion-MNIST's test split (Debian package dataset-fashion-mnist). Deterministic: the first
// PER_CLASS images of each class in file order; <index> is the image's index in the 10k test split.
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  FASHION_CLASSES,
  FASHION_MNIST_DIR,
  FASHION_SUPERCLASS,
  loadFashionMnist,
} from '../src/trainer/data/fashion.js';

const PER_CLASS = 200;
const OUT = 'sample/fashion';
const MAX_BYTES = 2 * 1024 * 1024;

const dir = process.argv[2] ?? FASHION_MNIST_DIR;
const test = await loadFashionMnist('test', dir);
const px = test.rows * test.cols;

// Only the folders this script owns are replaced; README.md stays.
for (const sup of new Set(Object.values(FASHION_SUPERCLASS)))
  await rm(join(OUT, sup), { recursive: true, force: true });

const taken = new Array<number>(FASHION_CLASSES.length).fill(0);
let bytes = 0;
let files = 0;
for (let i = 0; i < test.n && files < PER_CLASS * FASHION_CLASSES.length; i++) {
  const label = test.labels[i]!;
  if (taken[label]! >= PER_CLASS) continue;
  taken[label]!++;
  const cls = FASHION_CLASSES[label]!;
  const folder = join(OUT, FASHION_SUPERCLASS[cls], cls);
  await mkdir(folder, { recursive: true });
  const png = await sharp(Buffer.from(test.images.subarray(i * px, (i + 1) * px)), {
    raw: { width: test.cols, height: test.rows, channels: 1 },
  })
    .toColourspace('b-w')
    .png({ compressionLevel: 9, adaptiveFiltering: true })
    .toBuffer();
  await writeFile(join(folder, `${i}.png`), png);
  bytes += png.length;
  files++;
}

if (taken.some((t) => t < PER_CLASS)) throw new Error(`not enough images per class: ${taken.join(', ')}`);
let onDisk = 0;
for (const sup of await readdir(OUT)) {
  const s = join(OUT, sup);
  if (!(await stat(s)).isDirectory()) continue;
  for (const cls of await readdir(s))
    for (const f of await readdir(join(s, cls))) onDisk += (await stat(join(s, cls, f))).size;
}
console.log(
  `${files} PNGs, ${(bytes / 1024).toFixed(0)} KiB of PNG data (${(onDisk / 1024).toFixed(0)} KiB under ${OUT})`,
);
if (onDisk > MAX_BYTES) throw new Error(`sample is ${onDisk} bytes, over the ${MAX_BYTES}-byte budget`);
