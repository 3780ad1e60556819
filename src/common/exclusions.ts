/**
 * A dataset's exclusion list: images the user took out of the dataset without deleting them.
 * Stored beside the images (`<dataset>/.clusterlab-exclude.json`), so every run, export and
 * Materialize of that folder — from any workspace, the command line or CI — reads the same list,
 * and it travels with the data (commit it with them). The scan skips dot files, so the list is
 * never read as data. Paths are relative to the dataset folder (posix), as in assignments.csv.
 * Files are never deleted; excluding and including again only rewrite this file, atomically.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { arr, check, lit, obj, str } from '../protocol/schema.js';
import { writeJsonAtomic } from './atomicFile.js';

export const EXCLUDE_FILE = '.clusterlab-exclude.json';

const exclusionSchema = obj({
  format: lit('clusterlab-exclusions'),
  version: lit(1),
  /** Dataset-relative image paths, sorted. */
  paths: arr(str(4096)),
});

export function exclusionFile(datasetRoot: string): string {
  return join(datasetRoot, EXCLUDE_FILE);
}

/** Validates a parsed list; the error names the file and the first bad field, in one line. */
export function parseExclusions(value: unknown, file: string): Set<string> {
  try {
    const list = check(exclusionSchema, value);
    const bad = list.paths.find((p) => p === '' || p.startsWith('/') || p.split('/').includes('..'));
    if (bad !== undefined) throw new Error(`"${bad}" is not a path inside the dataset folder`);
    return new Set(list.paths);
  } catch (e) {
    throw new Error(`${file} is not a valid exclusion list (${(e as Error).message}): fix or remove it`, {
      cause: e,
    });
  }
}

/** The dataset's excluded paths: empty when there is no list; a damaged or unreadable list throws one line naming the file. */
export async function readExclusions(datasetRoot: string): Promise<Set<string>> {
  const file = exclusionFile(datasetRoot);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
    throw new Error(
      `cannot read the exclusion list ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      { cause: e },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(
      `${file} is not a valid exclusion list (not JSON: ${(e as Error).message}): fix or remove it`,
      { cause: e },
    );
  }
  return parseExclusions(value, file);
}

export async function writeExclusions(datasetRoot: string, paths: ReadonlySet<string>): Promise<void> {
  await writeJsonAtomic(exclusionFile(datasetRoot), {
    format: 'clusterlab-exclusions',
    version: 1,
    paths: [...paths].sort(),
  });
}

/** What an edit actually changed: its exact inverse swaps the two. */
export interface ExclusionChange {
  added: string[];
  removed: string[];
}

/**
 * Excludes `add` and includes `remove` again, on the list as it is on disk now (another window's
 * or run's edits since are kept: the edit is a change, not a snapshot). Writes only when something
 * changed.
 */
export async function editExclusions(
  datasetRoot: string,
  add: readonly string[],
  remove: readonly string[],
): Promise<{ paths: Set<string>; change: ExclusionChange }> {
  const paths = await readExclusions(datasetRoot);
  const added = [...new Set(add)].filter((p) => !paths.has(p));
  const removed = [...new Set(remove)].filter((p) => paths.has(p) && !add.includes(p));
  for (const p of added) paths.add(p);
  for (const p of removed) paths.delete(p);
  if (added.length > 0 || removed.length > 0) await writeExclusions(datasetRoot, paths);
  return { paths, change: { added, removed } };
}

/**
 * Splits `paths` (a scan, a run's images) by the list. `stale` counts listed paths that are not
 * among them (deleted since): harmless, ignored, and said once by the caller.
 */
export function applyExclusions<T>(
  items: readonly T[],
  pathOf: (item: T) => string,
  excluded: ReadonlySet<string>,
): { kept: T[]; excluded: number; stale: number } {
  if (excluded.size === 0) return { kept: [...items], excluded: 0, stale: 0 };
  const kept: T[] = [];
  let hits = 0;
  for (const item of items) {
    if (excluded.has(pathOf(item))) hits++;
    else kept.push(item);
  }
  return { kept, excluded: hits, stale: excluded.size - hits };
}

/** The one line a load says about the list, or undefined when it excluded nothing and names nothing stale. */
export function exclusionNote(
  datasetRoot: string,
  r: { excluded: number; stale: number },
): string | undefined {
  if (r.excluded === 0 && r.stale === 0) return undefined;
  const stale =
    r.stale > 0
      ? ` (${r.stale} listed ${r.stale === 1 ? 'image no longer exists' : 'images no longer exist'}: ignored)`
      : '';
  return `${r.excluded} ${r.excluded === 1 ? 'image' : 'images'} left out by the exclusion list ${exclusionFile(datasetRoot)}${stale}`;
}
