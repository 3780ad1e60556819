import {
  chmodSync,
  copyFileSync,
  lchownSync,
  mkdirSync,
  readdirSync,
  renameSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import type { CliOptions } from '../trainer/harness.js';
import { makeHarness, type Harness } from '../trainer/harness.js';
import { bombPng, noise, rawToPng } from '../unit/dataFixtures.js';

/**
 * An image folder as users really have them: the sample's PNGs mixed with every kind of file that
 * must not stop a run, each bad one with the reason summary.json has to give for it. The folder's
 * own name, a class folder and a file name carry spaces, non-ASCII letters, a comma and quotes.
 */
export interface HostileFolder extends Harness {
  /** Relative paths of the files that must be decoded (good images, odd formats included). */
  good: string[];
  /** Odd formats among `good`: 16-bit grey, CMYK, RGBA, animated GIF. */
  odd: string[];
  /** Relative path of every bad file -> the skip reason it must get. */
  bad: Map<string, RegExp>;
  /** Files that are not images at all: neither decoded nor listed. */
  ignored: string[];
  /** Absolute path of the image the vanish hook deletes after the scan. */
  vanishing: string;
  /** How to start the CLI so that chmod 000 really makes a file unreadable. */
  cliOptions: CliOptions;
}

const NOBODY = 65534;

export async function makeHostileFolder(perClass: number): Promise<HostileFolder> {
  const h = makeHarness(perClass);
  const data = join(h.tmp, 'données à trier');
  renameSync(h.data, data);
  renameSync(join(data, 'bottoms', 'trouser'), join(data, 'bottoms', 'pantalón, "largo"'));
  const sampleImage = join(data, 'footwear', 'sneaker', readdirSync(join(data, 'footwear', 'sneaker'))[0]!);
  copyFileSync(sampleImage, join(data, 'dresses', 'dress', "robe d'été n°1.png"));

  const sneaker = (name: string) => join(data, 'footwear', 'sneaker', name);
  const img = sharp(sampleImage);
  writeFileSync(sneaker('grey16.png'), await img.clone().toColourspace('grey16').png().toBuffer());
  writeFileSync(sneaker('cmyk.jpg'), await img.clone().toColourspace('cmyk').jpeg().toBuffer());
  writeFileSync(sneaker('rgba.png'), await img.clone().ensureAlpha(0.5).png().toBuffer());
  const frames = [await img.clone().png().toBuffer(), await img.clone().negate().png().toBuffer()];
  writeFileSync(
    sneaker('animated.gif'),
    await sharp(frames, { join: { animated: true } })
      .gif()
      .toBuffer(),
  );
  const good = listFiles(data).filter((p) => p !== 'bags/bag/broken.png');

  const bag = (name: string) => join(data, 'bags', 'bag', name);
  const png = await rawToPng(noise(64 * 64 * 3, 5), 64, 64, 3);
  const jpg = await sharp(Buffer.from(noise(64 * 64 * 3, 6)), { raw: { width: 64, height: 64, channels: 3 } })
    .jpeg()
    .toBuffer();
  writeFileSync(bag('empty.png'), '');
  writeFileSync(bag('cut.png'), png.subarray(0, png.length >> 1));
  writeFileSync(bag('cut.jpg'), jpg.subarray(0, jpg.length >> 1));
  writeFileSync(bag('notes.jpg'), 'not a photo, just notes\n');
  writeFileSync(bag('scan.bmp'), bmp(8, 8));
  writeFileSync(bag('bomb.png'), bombPng(30_000, 30_000));
  symlinkSync(join(data, 'nowhere.png'), bag('dangling.png'));
  symlinkSync('.', join(data, 'tops', 'loop'));
  copyFileSync(sampleImage, bag('locked.png'));
  copyFileSync(sampleImage, bag('vanishing.png'));
  mkdirSync(join(data, 'bags', 'private'));
  copyFileSync(sampleImage, join(data, 'bags', 'private', 'hidden from us.png'));
  writeFileSync(join(data, 'README.md'), '# my data set\n');
  writeFileSync(bag('labels.csv'), 'file,label\n');

  const cliOptions = dropRootForPermissions(h.tmp);
  chmodSync(bag('locked.png'), 0);
  chmodSync(join(data, 'bags', 'private'), 0);

  const bad = new Map<string, RegExp>([
    ['bags/bag/broken.png', /^not a decodable image: unsupported image format \(the file contains text\)$/],
    ['bags/bag/empty.png', /^0-byte file$/],
    ['bags/bag/cut.png', /^truncated PNG \(no IEND chunk\)/],
    ['bags/bag/cut.jpg', /^truncated JPEG \(no end-of-image marker\)/],
    ['bags/bag/notes.jpg', /^not a decodable image: unsupported image format \(the file contains text\)$/],
    ['bags/bag/scan.bmp', /^unsupported image format: \.bmp files cannot be decoded by this build of sharp$/],
    ['bags/bag/bomb.png', /^exceeds pixel limit 268 MP \(30000x30000 = 900 MP\)$/],
    ['bags/bag/dangling.png', /^broken symlink$/],
    ['tops/loop', /^symlink to a folder already scanned as "tops" \(loop or duplicate\)$/],
    ['bags/bag/locked.png', /^unreadable file: permission denied \(EACCES\)$/],
    ['bags/private', /^unreadable folder: permission denied \(EACCES\)$/],
    ['bags/bag/vanishing.png', /^unreadable file: removed after the folder scan \(ENOENT\)$/],
  ]);
  const odd = ['grey16.png', 'cmyk.jpg', 'rgba.png', 'animated.gif'].map((f) => `footwear/sneaker/${f}`);
  return {
    ...h,
    data,
    good,
    odd,
    bad,
    ignored: ['README.md', 'bags/bag/labels.csv'],
    vanishing: bag('vanishing.png'),
    cliOptions,
  };
}

/**
 * chmod 000 stops every user but root. Under root (CI here) the trainer runs as nobody, with the
 * test's folder handed to nobody, so an unreadable file is unreadable for real.
 */
function dropRootForPermissions(tmp: string): CliOptions {
  if (process.getuid?.() !== 0) return {};
  const chownTree = (p: string): void => {
    lchownSync(p, NOBODY, NOBODY);
    for (const d of readdirSync(p, { withFileTypes: true })) {
      if (d.isDirectory()) chownTree(join(p, d.name));
      else lchownSync(join(p, d.name), NOBODY, NOBODY);
    }
  };
  chownTree(tmp);
  return { uid: NOBODY, gid: NOBODY };
}

function listFiles(root: string, dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory()
      ? listFiles(root, join(dir, d.name))
      : [relative(root, join(dir, d.name)).split('\\').join('/')],
  );
}

/** A real 24-bit BMP (bottom-up rows padded to 4 bytes): a format this sharp build cannot read. */
function bmp(w: number, h: number): Buffer {
  const row = (w * 3 + 3) & ~3;
  const b = Buffer.alloc(54 + row * h);
  b.fill(0x80, 54);
  b.write('BM', 0, 'latin1');
  b.writeUInt32LE(b.length, 2);
  b.writeUInt32LE(54, 10);
  b.writeUInt32LE(40, 14);
  b.writeInt32LE(w, 18);
  b.writeInt32LE(h, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(24, 28);
  b.writeUInt32LE(0, 30);
  b.writeUInt32LE(row * h, 34);
  return b;
}
