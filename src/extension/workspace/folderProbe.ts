/**
 * A quick look at an image folder before training: a sample of its image files decoded with
 * sharp, so the train flow can refuse a folder the trainer could not train (fewer than two
 * decodable images) at its first step, and default Color to grayscale for grey data. Small folders
 * are decoded whole, so their count is exact; a big one only samples (the trainer reads it all).
 */
import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import { classifyName } from '../../common/imageFormats.js';

export interface FolderProbe {
  /** Image files found (by name), up to the walk's bound. */
  files: number;
  /** Files decoded: all of them when `exact`. */
  checked: number;
  exact: boolean;
  decodable: number;
  /** Checked files that failed to decode, relative to the folder, with sharp's reason. */
  failures: { path: string; reason: string }[];
  /** Every decodable sample has equal red, green and blue (or one channel). */
  grayscale: boolean;
}

const SAMPLE = 48;
const MAX_FILES = 200_000;
/** Channel differences up to this (of 255) still count as grey: JPEG noise tints grey pixels. */
const GREY_TOLERANCE = 6;

export async function probeFolder(dir: string, sample = SAMPLE): Promise<FolderProbe> {
  const files: string[] = [];
  await collect(dir, files);
  const exact = files.length <= sample;
  // Evenly spread, so a folder whose classes sit in subfolders is sampled across them.
  const picked = exact
    ? files
    : Array.from({ length: sample }, (_, i) => files[Math.floor((i * files.length) / sample)]!);
  const failures: FolderProbe['failures'] = [];
  let decodable = 0;
  let grey = 0;
  for (const file of picked) {
    try {
      if (await isGrey(file)) grey++;
      decodable++;
    } catch (e) {
      failures.push({ path: relative(dir, file), reason: (e as Error).message });
    }
  }
  return {
    files: files.length,
    checked: picked.length,
    exact,
    decodable,
    failures,
    grayscale: decodable > 0 && grey === decodable,
  };
}

async function collect(dir: string, out: string[]): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const e of entries) {
    if (out.length >= MAX_FILES) return;
    if (e.name.startsWith('.')) continue;
    if (e.isFile() && classifyName(e.name).kind === 'image') out.push(join(dir, e.name));
    else if (e.isDirectory() && e.name !== 'node_modules') await collect(join(dir, e.name), out);
  }
}

/** Decodes a small copy of the image (throws when it cannot be decoded) and compares its channels. */
async function isGrey(file: string): Promise<boolean> {
  const { data, info } = await sharp(file, { limitInputPixels: 1e8 })
    .resize(16, 16, { fit: 'fill' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels < 3) return true;
  for (let i = 0; i < data.length; i += info.channels) {
    const r = data[i]!;
    const g = data[i + 1]!;
    const b = data[i + 2]!;
    if (Math.abs(r - g) > GREY_TOLERANCE || Math.abs(g - b) > GREY_TOLERANCE) return false;
  }
  return true;
}

/** What is wrong with a folder in which no image file was found. */
export const NO_IMAGES =
  'it holds no images ClusterLab can read (png, jpeg, webp, gif, tiff, ...), in it or its subfolders';

/** Why the trainer could not cluster the folder, or undefined when it can. */
export function unusableReason(p: FolderProbe): string | undefined {
  const files = (n: number) => `${n} image file${n === 1 ? '' : 's'}`;
  const failed = p.failures
    .slice(0, 2)
    .map((f) => `${f.path}: ${f.reason}`)
    .join('; ');
  if (p.files === 0) return NO_IMAGES;
  if (p.decodable === 0)
    return `none of its ${p.exact ? '' : 'sampled '}${files(p.checked)} can be decoded (${failed})`;
  if (p.exact && p.decodable < 2) {
    if (p.failures.length === 0) return `it has only ${p.decodable} image; clustering needs at least 2`;
    const n = p.failures.length;
    return `it has only ${p.decodable} decodable image; clustering needs at least 2 (${n} file${n === 1 ? '' : 's'} cannot be decoded: ${failed})`;
  }
  return undefined;
}
