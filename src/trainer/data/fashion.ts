import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readIdxUint8 } from './idx.js';

/** Fashion-MNIST (MIT, © Zalando SE) straight from its IDX files, for the sample maker and benchmarks. */

/** Where Debian's `dataset-fashion-mnist` package installs the files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Class names in label order, as folder-safe names. */
export const FASHION_CLASSES = [
  't-shirt_top',
  'trouser',
  'pullover',
  'dress',
  'coat',
  'sandal',
  'shirt',
  'sneaker',
  'bag',
  'ankle_boot',
] as const;

/** Our super-class grouping of the ten classes (not part of the original data set). */
export const FASHION_SUPERCLASS: Record<(typeof FASHION_CLASSES)[number], string> = {
  't-shirt_top': 'tops',
  pullover: 'tops',
  coat: 'tops',
  shirt: 'tops',
  trouser: 'bottoms',
  dress: 'dresses',
  sandal: 'footwear',
  sneaker: 'footwear',
  ankle_boot: 'footwear',
  bag: 'bags',
};

export interface FashionSplit {
  n: number;
  rows: number;
  cols: number;
  /** n * rows * cols grayscale bytes, row-major (NHW). */
  images: Uint8Array;
  labels: Uint8Array;
}

function idxPath(dir: string, base: string): string {
  for (const p of [join(dir, `${base}.gz`), join(dir, base)]) if (existsSync(p)) return p;
  throw new Error(
    `Fashion-MNIST file ${base}(.gz) not found in ${dir}; on Debian/Ubuntu: apt-get install dataset-fashion-mnist`,
  );
}

export async function loadFashionMnist(
  split: 'train' | 'test',
  dir = FASHION_MNIST_DIR,
): Promise<FashionSplit> {
  const prefix = split === 'train' ? 'train' : 't10k';
  const [img, lab] = await Promise.all([
    readIdxUint8(idxPath(dir, `${prefix}-images-idx3-ubyte`)),
    readIdxUint8(idxPath(dir, `${prefix}-labels-idx1-ubyte`)),
  ]);
  if (img.dims.length !== 3 || lab.dims.length !== 1 || img.dims[0] !== lab.dims[0]) {
    throw new Error(`Fashion-MNIST ${split}: unexpected shapes images [${img.dims}] labels [${lab.dims}]`);
  }
  const [n, rows, cols] = img.dims as [number, number, number];
  return { n, rows, cols, images: img.data, labels: lab.data };
}
