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
import { readExclusions } from '../../common/exclusions.js';
import {
  DEFAULT_BITS,
  MAX_BITS,
  MIN_COSINE,
  thresholdsOf,
  type DuplicatesResult,
} from '../../protocol/duplicatesMessages.js';
import { cosineGroups } from './embeddingGroups.js';
import { groupDuplicates, type Grouping } from './nearGroups.js';
import { isRunFolder, readRunClusters, type RunClusters } from './runClusters.js';
import { runEmbeddings } from './runEmbeddings.js';
import { sameStamp } from '../../common/fileStamp.js';

export const DUPLICATES_USAGE = `usage: clusterlab duplicates DIR|RUN_DIR [--threshold T | --cosine C] [--include-excluded] [--json] [--cache DIR]

Finds exact duplicates (same bytes, sha256) and near duplicates (64-bit difference hash of the
image in grey at 9x8, within T bits, default ${DEFAULT_BITS}; 0..${MAX_BITS}) among the images of DIR, or
of the folder RUN_DIR was trained on, printing each group with its members' distances (and, for a
run, their clusters). Each group is a representative (listed first, the one to keep) and the images
within T of it, so every member is a near copy of the first. Hashes are cached in the --cache folder
by path, size and mtime, so a second call reads only what changed.

--cosine C (a RUN_DIR only; ${MIN_COSINE}..1): near duplicates by the cosine of embeddings instead: the run's
feature model's embeddings (cached) where it has one, else the run's saved features.
Images on the dataset's exclusion list (.clusterlab-exclude.json) are left out unless
--include-excluded.

Exit status: 0 no duplicates, 1 duplicates found, 2 bad input, 3 any other failure, so it works as a CI check on a data
repository: clusterlab duplicates data/ || exit 1`;

export interface DuplicatesReport extends Grouping {
  root: string;
  /** hash: threshold and distances in bits of dHash; cosine: threshold a cosine, distances 1 - cosine. */
  by: 'hash' | 'cosine';
  threshold: number;
  images: number;
  /** Images on the exclusion list, left out. */
  excluded: number;
  /** Files hashed in this call (the rest came from the cache). */
  hashed: number;
  /** Files that are not decodable images: compared by bytes only. */
  undecodable: string[];
  /** by cosine: whose embeddings. */
  source?: 'feature model' | 'run features';
}

/** Hashes every image under root (from the cache where the file is unchanged) but `exclude`, and groups them. */
export async function findDuplicates(
  root: string,
  threshold: number,
  cacheDir: string,
  exclude: ReadonlySet<string> = new Set(),
  onProgress?: (done: number, total: number) => void,
): Promise<DuplicatesReport> {
  const all = await scanFolder(root);
  const scan = { ...all, entries: all.entries.filter((e) => !exclude.has(e.path)) };
  const cacheFile = hashCacheFile(cacheDir, scan.root);
  const cached = await readHashCache(cacheFile, scan.root);
  const entries = new Map<string, HashEntry>();
  const todo = scan.entries.filter((e) => {
    const c = cached.get(e.path);
    if (sameStamp(c, e)) entries.set(e.path, c);
    return !entries.has(e.path);
  });
  // Reads and sharp run on libuv's pool, small PNGs on this thread: 16 in flight kept both busy.
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < todo.length; i = next++) {
      const e = todo[i]!;
      entries.set(e.path, { size: e.size, mtimeMs: e.mtimeMs, ...(await hashImage(e.abs)) });
      if (i % 1000 === 999) onProgress?.(i + 1, todo.length);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  if (todo.length > 0 || cached.size !== entries.size) await writeHashCache(cacheFile, scan.root, entries);
  const images = scan.entries.map((e) => ({ path: e.path, ...entries.get(e.path)! }));
  return {
    root: scan.root,
    by: 'hash',
    threshold,
    images: images.length,
    excluded: all.entries.length - images.length,
    hashed: todo.length,
    undecodable: images.filter((im) => im.dhash === undefined).map((im) => im.path),
    ...groupDuplicates(images, threshold),
  };
}

/** A run's images but `exclude`, grouped by the cosine of their embeddings (see runEmbeddings.ts). */
export async function findCosineDuplicates(
  run: RunClusters,
  minCos: number,
  cacheDir: string,
  exclude: ReadonlySet<string> = new Set(),
): Promise<DuplicatesReport> {
  const emb = await runEmbeddings(run, cacheDir);
  const keep = emb.paths.flatMap((p, i) => (exclude.has(p) ? [] : [i]));
  const rows = new Float32Array(keep.length * emb.dim);
  keep.forEach((r, i) => rows.set(emb.rows.subarray(r * emb.dim, (r + 1) * emb.dim), i * emb.dim));
  // Counts at every hundredth from 1 down to the threshold.
  const ladder = thresholdsOf('cosine').filter((c) => c > minCos);
  return {
    root: run.root,
    by: 'cosine',
    threshold: minCos,
    images: keep.length,
    excluded: emb.paths.length - keep.length,
    hashed: 0,
    undecodable: [],
    source: emb.source,
    ...cosineGroups(
      keep.map((i) => emb.paths[i]!),
      rows,
      emb.dim,
      minCos,
      ladder,
    ),
  };
}

/**
 * `target`'s images but those on its dataset's exclusion list (unless `includeExcluded`), grouped:
 * a run folder's (by cosine when `minCos` is given), else an image folder's by hash. Bad input (a
 * damaged run or list, a missing folder, cosine without a run) is a ConfigError, in one line.
 */
async function duplicatesOf(
  target: string,
  o: {
    threshold: number;
    minCos?: number;
    includeExcluded?: boolean;
    cacheDir: string;
    onProgress?: (done: number, total: number) => void;
  },
): Promise<{ run?: RunClusters; report: DuplicatesReport }> {
  const run = (await isRunFolder(target))
    ? await readRunClusters(target).catch((e: Error) => {
        throw e instanceof ConfigError ? e : new ConfigError(e.message);
      })
    : undefined;
  if (o.minCos !== undefined && !run)
    throw new ConfigError(
      `--cosine compares a run's embeddings: ${target} is no run folder (it has no run.json)`,
    );
  try {
    const root = run?.root ?? target;
    const exclude = o.includeExcluded
      ? new Set<string>()
      : (run?.excluded ??
        (await readExclusions(root).catch((e: Error) => {
          throw new ConfigError(e.message);
        })));
    const report =
      run && o.minCos !== undefined
        ? await findCosineDuplicates(run, o.minCos, o.cacheDir, exclude)
        : await findDuplicates(root, o.threshold, o.cacheDir, exclude, o.onProgress);
    return { ...(run ? { run } : {}), report };
  } catch (e) {
    // The folder's own problems (missing, not a folder) are bad input, reported in scan's words.
    if (/^(image folder|cannot read image folder)/.test((e as Error).message))
      throw new ConfigError((e as Error).message);
    throw e;
  }
}

/**
 * What the trainer server's `duplicates` request answers: a run's images (or, for a folder with no
 * run, the folder's: by hash only) grouped, the dataset's exclusion list left out.
 */
export async function runDuplicates(
  dir: string,
  by: 'hash' | 'cosine',
  threshold: number,
  cacheDir: string,
  onProgress?: (done: number, total: number) => void,
): Promise<DuplicatesResult> {
  if (by === 'hash' && !(Number.isInteger(threshold) && threshold >= 0 && threshold <= MAX_BITS))
    throw new ConfigError(
      `the threshold must be a whole number of bits from 0 to ${MAX_BITS} (got ${threshold})`,
    );
  if (by === 'cosine' && !(threshold >= MIN_COSINE && threshold <= 1))
    throw new ConfigError(`the cosine must be from ${MIN_COSINE} to 1 (got ${threshold})`);
  const { report: r } = await duplicatesOf(dir, {
    threshold: by === 'hash' ? threshold : DEFAULT_BITS,
    ...(by === 'cosine' ? { minCos: threshold } : {}),
    cacheDir,
    ...(onProgress ? { onProgress } : {}),
  });
  return {
    by: r.by,
    threshold: r.threshold,
    images: r.images,
    excluded: r.excluded,
    ...(r.source ? { source: r.source } : {}),
    groups: r.groups,
    counts: r.counts,
  };
}

function parseCosine(raw: string): number {
  const c = Number(raw);
  if (!/^(0|1)?(\.\d+)?$/.test(raw.trim()) || !(c >= MIN_COSINE && c <= 1))
    throw new ConfigError(`--cosine must be a number from ${MIN_COSINE} to 1 (got '${raw}')`);
  return c;
}

function parseThreshold(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_BITS;
  const t = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || t > MAX_BITS)
    throw new ConfigError(`--threshold must be a whole number of bits from 0 to ${MAX_BITS} (got '${raw}')`);
  return t;
}

/** Runs the command; returns the exit code. Argument errors are ConfigErrors (exit 2, one line). */
export const duplicatesCli: Subcommand = async (args, out, err) => {
  const parsed = folderCommandArgs(
    args,
    {
      threshold: { type: 'string' },
      cosine: { type: 'string' },
      'include-excluded': { type: 'boolean' },
      json: { type: 'boolean' },
      cache: { type: 'string' },
    },
    DUPLICATES_USAGE,
    out,
    'duplicates takes one image or run folder',
  );
  if (!parsed) return 0;
  const { values, folder } = parsed;
  if (values.cosine !== undefined && values.threshold !== undefined)
    throw new ConfigError(
      '--threshold (bits of the image hash) and --cosine (embeddings) exclude each other',
    );
  const threshold = parseThreshold(values.threshold);
  const minCos = values.cosine === undefined ? undefined : parseCosine(values.cosine);
  const { run, report } = await duplicatesOf(resolve(folder), {
    threshold,
    ...(minCos !== undefined ? { minCos } : {}),
    includeExcluded: values['include-excluded'] === true,
    cacheDir: cacheDirOf(values.cache),
  });
  const clusterOf = run ? new Map(run.paths.map((p, i) => [p, run.cluster[i]!])) : undefined;
  const groups = report.groups.map((g) => ({
    kind: g.kind,
    members: g.members.map((m) => (clusterOf?.has(m.path) ? { ...m, cluster: clusterOf.get(m.path)! } : m)),
  }));
  const cosine = report.by === 'cosine';
  if (values.json) {
    const { root, by, threshold, images, excluded, hashed, undecodable, counts, source } = report;
    out.write(
      JSON.stringify(
        {
          root,
          ...(run ? { run: run.dir } : {}),
          by,
          ...(source ? { source } : {}),
          threshold,
          images,
          excluded,
          hashed,
          undecodable,
          groups,
          counts,
        },
        null,
        1,
      ) + '\n',
    );
  } else {
    const unit = cosine ? 'cosine to the first' : 'bits from the first';
    groups.forEach((g, i) => {
      out.write(
        `group ${i + 1}: ${g.kind}, ${g.members.length} images${g.kind === 'near' ? ` (${unit})` : ''}\n`,
      );
      for (const m of g.members) {
        const cluster = 'cluster' in m ? `  cluster ${m.cluster}` : '';
        const d = cosine ? (1 - m.distance).toFixed(4) : String(m.distance);
        out.write(`  ${m.path}${g.kind === 'near' ? `  ${d}` : ''}${cluster}\n`);
      }
    });
    const exact = groups.filter((g) => g.kind === 'exact').length;
    const dupImages = groups.reduce((s, g) => s + g.members.length, 0);
    const within = cosine
      ? `at cosine >= ${report.threshold} (${report.source})`
      : `within ${report.threshold} bits`;
    out.write(
      `${report.images} images in ${report.root}: ${groups.length} duplicate groups (${exact} exact, ${groups.length - exact} near) holding ${dupImages} images, ${within}\n`,
    );
    out.write(`groups by threshold: ${report.counts.map((c) => `${c.threshold}: ${c.groups}`).join(', ')}\n`);
    if (report.excluded > 0)
      out.write(
        `${report.excluded} images on the dataset's exclusion list were left out (--include-excluded to keep them)\n`,
      );
    if (report.undecodable.length > 0)
      out.write(
        `${report.undecodable.length} files do not decode as images and were compared by bytes only (first: ${report.undecodable[0]})\n`,
      );
  }
  if (!cosine) err.write(`hashed ${report.hashed} of ${report.images} images (the rest from the cache)\n`);
  return groups.length > 0 ? 1 : 0;
};
