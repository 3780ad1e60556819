import sharp from 'sharp';

/**
 * Which file names are images we can decode: exactly the suffixes this sharp build reads from files
 * (a build without, say, HEIC support must not promise .heic). libvips' own `.v`/`.vips` format is left
 * out: `.v` is far more often Verilog or Coq source than a libvips image.
 */
const EXCLUDED_FORMATS = new Set(['vips']);

function decodableSuffixes(): string[] {
  const out = new Set<string>();
  for (const [name, f] of Object.entries(sharp.format)) {
    if (EXCLUDED_FORMATS.has(name) || !f.input.file) continue;
    for (const s of (f.input as { fileSuffix?: string[] }).fileSuffix ?? []) out.add(s.toLowerCase());
  }
  // Longest first so ".svg.gz" wins over a shorter suffix.
  return [...out].sort((a, b) => b.length - a.length);
}

/** Image extensions people keep in data folders that this build cannot read: reported, not silently ignored. */
const KNOWN_IMAGE_SUFFIXES = [
  '.bmp',
  '.heic',
  '.heif',
  '.jxl',
  '.jp2',
  '.j2k',
  '.ico',
  '.psd',
  '.ppm',
  '.pgm',
  '.pbm',
  '.pnm',
  '.exr',
  '.hdr',
  '.dng',
  '.cr2',
  '.nef',
  '.arw',
  '.raf',
  '.orf',
];

export const DECODABLE_SUFFIXES: readonly string[] = decodableSuffixes();

export type FileKind = { kind: 'image' } | { kind: 'unsupported'; suffix: string } | { kind: 'other' };

/** Classifies a file name by its (case-insensitive) suffix. */
export function classifyName(name: string): FileKind {
  const lower = name.toLowerCase();
  for (const s of DECODABLE_SUFFIXES)
    if (lower.endsWith(s) && lower.length > s.length) return { kind: 'image' };
  for (const s of KNOWN_IMAGE_SUFFIXES) if (lower.endsWith(s)) return { kind: 'unsupported', suffix: s };
  return { kind: 'other' };
}
