/**
 * `clusterlab duplicates DIR|RUN`: exact and near-duplicate images of a folder (or of the folder a
 * run was trained on, with each member's cluster), hashed once and cached by path, size and mtime.
 */
import { folderCommandArgs, type Subcommand } from '../commandArgs.js';
import { resolve } from 'node:path';
import { scanFolder } from '../data/scan.js';
import { cacheDirOf, ConfigError } from '../run/config.js';
import { hashCacheFile, readHashCache, writeHashCache, type HashEntry } from './hashCache.js';
import { hashImage } from './imageHash.js';
import { groupDuplicates, type Grouping } from './nearGroups.js';
import { isRunFolder, readRunClusters } from './runClusters.js';
import { sameStamp } from '../../common/fileStamp.js';

/**
 * Default bits of 64 two dHashes may differ by. Measured on 12 synthetic 128-px images (so a tuning
 * set, not evidence about photos): a JPEG q60 re-encode, a 0.75x or 0.5x resize with q60, or +20
 * brightness moved 0-8 bits; different images were 20 or more apart (32 expected by chance). 8 (an
 * eighth of the bits) covers the edits; two random hashes come that close once in ~4e9 pairs.
 */
export const DEFAULT_THRESHOLD = 8;
/** Above this the bands get too short to narrow anything (and "near" stops meaning much). */
export const MAX_THRESHOLD = 16;

export const DUPLICATES_USAGE = `usage: clusterlab duplicates DIR|RUN_DIR [--threshold T] [--json] [--cache DIR]

Finds exact duplicates (same bytes, sha256) and near duplicates (64-bit difference hash of the
image in grey at 9x8, within T bits, default ${DEFAULT_THRESHOLD}; 0..${MAX_THRESHOLD}) among the images of DIR, or
of the folder RUN_DIR was trained on, printing each group with its members' distances (and, for a
run, their clusters). Hashes are cached in the --cache folder by path, size and mtime, so a second
call reads only what changed.

Exit status: 0 no duplicates, 1 duplicates found, 2 bad input, 3 any other failure, so it works as a CI check on a data
repository: clusterlab duplicates data/ || exit 1`;

export interface DuplicatesReport extends Grouping {
  root: string;
  threshold: number;
  images: number;
  /** Files hashed in this call (the rest came from the cache). */
  hashed: number;
  /** Files that are not decodable images: compared by bytes only. */
  undecodable: string[];
}

/** Hashes every image under root (from the cache where the file is unchanged) and groups them. */
export async function findDuplicates(
  root: string,
  threshold: number,
  cacheDir: string,
): Promise<DuplicatesReport> {
  const scan = await scanFolder(root);
  const cacheFile = hashCacheFile(cacheDir, scan.root);
  const cached = await readHashCache(cacheFile, scan.root);
  const entries = new Map<string, HashEntry>();
  const todo = scan.entries.filter((e) => {
    const c = cached.get(e.path);
    if (sameStamp(c, e)) entries.set(e.path, c);
    return !entries.has(e.path);
  });
  // A few at a time: sharp decodes on libuv's pool, and more in flight only queue there.
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < todo.length; i = next++) {
      const e = todo[i]!;
      entries.set(e.path, { size: e.size, mtimeMs: e.mtimeMs, ...(await hashImage(e.abs)) });
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  if (todo.length > 0 || cached.size !== entries.size) await writeHashCache(cacheFile, scan.root, entries);
  const images = scan.entries.map((e) => ({ path: e.path, ...entries.get(e.path)! }));
  return {
    root: scan.root,
    threshold,
    images: images.length,
    hashed: todo.length,
    undecodable: images.filter((im) => im.dhash === undefined).map((im) => im.path),
    ...groupDuplicates(images, threshold),
  };
}

function parseThreshold(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_THRESHOLD;
  const t = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || t > MAX_THRESHOLD)
    throw new ConfigError(
      `--threshold must be a whole number of bits from 0 to ${MAX_THRESHOLD} (got '${raw}')`,
    );
  return t;
}

/** Runs the command; returns the exit code. Argument errors are ConfigErrors (exit 2, one line). */
export const duplicatesCli: Subcommand = async (args, out, err) => {
  const parsed = folderCommandArgs(
    args,
    { threshold: { type: 'string' }, json: { type: 'boolean' }, cache: { type: 'string' } },
    DUPLICATES_USAGE,
    out,
    'duplicates takes one image or run folder',
  );
  if (!parsed) return 0;
  const { values, folder } = parsed;
  const threshold = parseThreshold(values.threshold);
  const target = resolve(folder);
  const run = (await isRunFolder(target))
    ? await readRunClusters(target).catch((e: Error) => {
        throw e instanceof ConfigError ? e : new ConfigError(e.message);
      })
    : undefined;
  let report: DuplicatesReport;
  try {
    report = await findDuplicates(run?.root ?? target, threshold, cacheDirOf(values.cache));
  } catch (e) {
    // The folder's own problems (missing, not a folder) are bad input, reported in scan's words.
    if (/^(image folder|cannot read image folder)/.test((e as Error).message))
      throw new ConfigError((e as Error).message);
    throw e;
  }
  const clusterOf = run ? new Map(run.paths.map((p, i) => [p, run.cluster[i]!])) : undefined;
  const groups = report.groups.map((g) => ({
    kind: g.kind,
    members: g.members.map((m) => (clusterOf?.has(m.path) ? { ...m, cluster: clusterOf.get(m.path)! } : m)),
  }));
  if (values.json) {
    const { root, images, hashed, undecodable, counts } = report;
    out.write(
      JSON.stringify(
        { root, ...(run ? { run: run.dir } : {}), threshold, images, hashed, undecodable, groups, counts },
        null,
        1,
      ) + '\n',
    );
  } else {
    groups.forEach((g, i) => {
      out.write(
        `group ${i + 1}: ${g.kind}, ${g.members.length} images${g.kind === 'near' ? ' (bits from the first)' : ''}\n`,
      );
      for (const m of g.members) {
        const cluster = 'cluster' in m ? `  cluster ${m.cluster}` : '';
        out.write(`  ${m.path}${g.kind === 'near' ? `  ${m.distance}` : ''}${cluster}\n`);
      }
    });
    const exact = groups.filter((g) => g.kind === 'exact').length;
    const dupImages = groups.reduce((s, g) => s + g.members.length, 0);
    out.write(
      `${report.images} images in ${report.root}: ${groups.length} duplicate groups (${exact} exact, ${groups.length - exact} near) holding ${dupImages} images, within ${threshold} bits\n`,
    );
    out.write(`groups by threshold: ${report.counts.map((c) => `${c.threshold}: ${c.groups}`).join(', ')}\n`);
    if (report.undecodable.length > 0)
      out.write(
        `${report.undecodable.length} files do not decode as images and were compared by bytes only (first: ${report.undecodable[0]})\n`,
      );
  }
  err.write(`hashed ${report.hashed} of ${report.images} images (the rest from the cache)\n`);
  return groups.length > 0 ? 1 : 0;
};
