import { readdirSync, realpathSync, statSync } from 'node:fs';
import type { Dirent, Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { join, resolve } from 'node:path';
import { classifyName } from '../../common/imageFormats.js';
import { describeFsError } from './fsError.js';

/**
 * Recursive scan of an image folder, with labels from the folder layout.
 *
 * Labelling rules (the "class" is always the folder an image is in):
 *   root/img.png                 unlabelled (label -1, superLabel -1)
 *   root/cat/img.png             class "cat"
 *   root/animals/cat/img.png     class "cat", super-class "animals"
 *   root/x/animals/cat/img.png   same: only the two nearest folders count
 * Classes are identified by folder name, so root/train/cat and root/test/cat are one class "cat".
 * A class has one super-class: folder super-classes are kept only if they form a mapping class -> super
 * (a class under two different parents, as in train/ and test/ splits, means the parent level is not a
 * super-class; then folder super-classes are dropped with a warning). Images of a class directly under
 * root get that class's super-class if it has one elsewhere. `superclasses.json` at root
 * ({"class": "super"}) overrides or provides the mapping per class.
 * Hidden files and folders (leading ".") are skipped, e.g. .clusterlab caches and ._* macOS forks.
 */

export interface ImageEntry {
  /** Relative to root, posix separators. */
  path: string;
  abs: string;
  size: number;
  mtimeMs: number;
  /** Index into classes, -1 if none. */
  label: number;
  /** Index into superClasses, -1 if none. */
  superLabel: number;
}

export interface Skipped {
  path: string;
  reason: string;
}

export interface ScanResult {
  root: string;
  entries: ImageEntry[];
  classes: string[];
  superClasses: string[];
  skipped: Skipped[];
  /** Things the user should know that are not per-file failures (e.g. an ignored label level). */
  warnings: string[];
}

export const SUPERCLASSES_FILE = 'superclasses.json';

/** Plain code-point order: the same on every machine and locale. */
export const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

interface Found {
  rel: string;
  abs: string;
  size: number;
  mtimeMs: number;
}

/** The image folder's absolute path, or a one-line error saying why it cannot be one. */
export async function checkImageFolder(root: string): Promise<string> {
  const absRoot = resolve(root);
  let rootStat: Stats;
  try {
    rootStat = await stat(absRoot);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(
      code === 'ENOENT'
        ? `image folder does not exist: ${absRoot}`
        : `cannot read image folder ${absRoot}: ${code ?? e}`,
      { cause: e },
    );
  }
  if (!rootStat.isDirectory()) throw new Error(`image folder is not a directory: ${absRoot}`);
  return absRoot;
}

export async function scanFolder(root: string): Promise<ScanResult> {
  const absRoot = await checkImageFolder(root);
  const skipped: Skipped[] = [];
  const found = await walk(absRoot, skipped);
  found.sort((a, b) => byCodePoint(a.rel, b.rel));
  const mapping = await readSuperclassesJson(absRoot);
  const labels = assignLabels(
    found.map((f) => f.rel),
    mapping,
  );
  const entries: ImageEntry[] = found.map((f, i) => ({
    path: f.rel,
    abs: f.abs,
    size: f.size,
    mtimeMs: f.mtimeMs,
    label: labels.label[i]!,
    superLabel: labels.superLabel[i]!,
  }));
  skipped.sort((a, b) => byCodePoint(a.path, b.path));
  return {
    root: absRoot,
    entries,
    classes: labels.classes,
    superClasses: labels.superClasses,
    skipped,
    warnings: labels.warnings,
  };
}

/**
 * Depth-first walk following symlinks; a folder already visited (by real path) is not entered twice.
 * Synchronous fs calls: a thread-pool round trip per stat is 4-5x slower, and on a cached load the stats
 * are most of the work. The event loop gets a turn every few thousand calls.
 */
async function walk(absRoot: string, skipped: Skipped[]): Promise<Found[]> {
  const seen = new Map<string, string>([[realpathSync(absRoot), '.']]);
  const found: Found[] = [];
  const stack: { abs: string; rel: string }[] = [{ abs: absRoot, rel: '' }];
  let calls = 0;
  const tick = async (): Promise<void> => {
    if (++calls % 4096 === 0) await yieldToLoop();
  };
  while (stack.length > 0) {
    const dir = stack.pop()!;
    let dirents: Dirent[];
    try {
      // Sorted so that which of two links to one folder is kept does not depend on the file system.
      dirents = readdirSync(dir.abs, { withFileTypes: true }).sort((a, b) => byCodePoint(a.name, b.name));
    } catch (e) {
      if (dir.rel === '')
        throw new Error(`cannot read image folder ${absRoot}: ${describeFsError(e)}`, { cause: e });
      skipped.push({
        path: dir.rel,
        reason: `unreadable folder: ${describeFsError(e, 'removed during the folder scan')}`,
      });
      continue;
    }
    for (const d of dirents) {
      await tick();
      if (d.name.startsWith('.')) continue;
      const rel = dir.rel ? `${dir.rel}/${d.name}` : d.name;
      const abs = join(dir.abs, d.name);
      if (d.isDirectory()) {
        if (enterOnce(abs, rel, seen, skipped)) stack.push({ abs, rel });
        continue;
      }
      const kind = classifyName(d.name);
      // Symlinks are stat'ed whatever their name: they may point at a folder.
      if (!d.isSymbolicLink() && (!d.isFile() || kind.kind === 'other')) continue;
      let st: Stats | undefined;
      let err: unknown;
      try {
        st = statSync(abs, { throwIfNoEntry: false });
      } catch (e) {
        err = e;
      }
      if (st?.isDirectory()) {
        if (enterOnce(abs, rel, seen, skipped)) stack.push({ abs, rel });
      } else if (kind.kind === 'other') {
        continue;
      } else if (st === undefined) {
        // stat says "no such file" without throwing: a dangling link, or a file deleted since readdir.
        const missing = d.isSymbolicLink() ? 'broken symlink' : 'removed during the folder scan';
        skipped.push({
          path: rel,
          reason: err === undefined ? missing : `unreadable file: ${describeFsError(err)}`,
        });
      } else if (!st.isFile()) {
        skipped.push({ path: rel, reason: 'not a regular file' });
      } else if (kind.kind === 'unsupported') {
        skipped.push({
          path: rel,
          reason: `unsupported image format: ${kind.suffix} files cannot be decoded by this build of sharp`,
        });
      } else {
        found.push({ rel, abs, size: st.size, mtimeMs: st.mtimeMs });
      }
    }
  }
  return found;
}

/** Records a folder's real path; false (and a skipped entry) if it was already scanned, e.g. a symlink loop. */
function enterOnce(abs: string, rel: string, seen: Map<string, string>, skipped: Skipped[]): boolean {
  let real: string;
  try {
    real = realpathSync(abs);
  } catch (e) {
    skipped.push({
      path: rel,
      reason: `unreadable folder: ${describeFsError(e, 'removed during the folder scan')}`,
    });
    return false;
  }
  const first = seen.get(real);
  if (first !== undefined) {
    skipped.push({
      path: rel,
      reason: `symlink to a folder already scanned as "${first}" (loop or duplicate)`,
    });
    return false;
  }
  seen.set(real, rel);
  return true;
}

/** The optional class -> super-class mapping; a malformed file is an error, not silently ignored. */
async function readSuperclassesJson(absRoot: string): Promise<Map<string, string> | undefined> {
  const file = join(absRoot, SUPERCLASSES_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read ${file}: ${describeFsError(e)}`, { cause: e });
  }
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw new Error(
      `${file} must be a JSON object mapping class folder names to super-class names, e.g. {"cat": "animal"}`,
    );
  }
  const map = new Map<string, string>();
  for (const [k, v] of Object.entries(obj)) {
    if (typeof v !== 'string' || v === '')
      throw new Error(`${file}: the super-class of "${k}" must be a non-empty string`);
    map.set(k, v);
  }
  return map;
}

export interface Labels {
  label: Int32Array;
  superLabel: Int32Array;
  classes: string[];
  superClasses: string[];
  warnings: string[];
}

/** Labels from sorted relative paths (see the rules at the top of this file). */
export function assignLabels(paths: readonly string[], mapping?: Map<string, string>): Labels {
  const warnings: string[] = [];
  const classOf = paths.map((p) => {
    const parts = p.split('/');
    return {
      cls: parts.length >= 2 ? parts[parts.length - 2]! : undefined,
      sup: parts.length >= 3 ? parts[parts.length - 3]! : undefined,
    };
  });
  const classes = [...new Set(classOf.flatMap((c) => (c.cls === undefined ? [] : [c.cls])))].sort(
    byCodePoint,
  );

  const superOf = new Map<string, string>();
  let conflict: string | undefined;
  for (const { cls, sup } of classOf) {
    if (cls === undefined || sup === undefined) continue;
    const prev = superOf.get(cls);
    if (prev === undefined) superOf.set(cls, sup);
    else if (prev !== sup && conflict === undefined)
      conflict = `class "${cls}" is in both "${prev}" and "${sup}"`;
  }
  if (conflict !== undefined) {
    superOf.clear();
    warnings.push(
      `parent folders are not used as super-classes: ${conflict} (add ${SUPERCLASSES_FILE} to define super-classes)`,
    );
  }
  if (mapping) {
    const known = new Set(classes);
    const unknown = [...mapping.keys()].filter((k) => !known.has(k));
    if (unknown.length > 0)
      warnings.push(`${SUPERCLASSES_FILE} names classes with no images: ${unknown.slice(0, 10).join(', ')}`);
    for (const [cls, sup] of mapping) if (known.has(cls)) superOf.set(cls, sup);
  }
  const superClasses = [...new Set(classes.flatMap((c) => superOf.get(c) ?? []))].sort(byCodePoint);

  const classIndex = new Map(classes.map((c, i) => [c, i]));
  const superIndex = new Map(superClasses.map((s, i) => [s, i]));
  const label = new Int32Array(paths.length).fill(-1);
  const superLabel = new Int32Array(paths.length).fill(-1);
  classOf.forEach(({ cls }, i) => {
    if (cls === undefined) return;
    label[i] = classIndex.get(cls)!;
    const sup = superOf.get(cls);
    if (sup !== undefined) superLabel[i] = superIndex.get(sup)!;
  });
  return { label, superLabel, classes, superClasses, warnings };
}
