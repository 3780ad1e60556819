/**
 * Getting the relabelled clusters out of ClusterLab: a CSV or JSON table of path, cluster, name,
 * confidence and whether the dataset's exclusion list names the image, or folders with one
 * sub-folder per cluster filled with copies of (or links to) the images the list does not exclude.
 * The originals are never moved or overwritten. Shared by the extension (export, Materialize) and
 * `clusterlab export`.
 */
import { constants } from 'node:fs';
import { copyFile, link, lstat, mkdir, realpath, rmdir, stat, symlink, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { LabelsJson } from '../protocol/labels.js';
import { writeJsonAtomic } from './atomicFile.js';
import { EXPORT_MARKER } from './datasets.js';
import { clusterName } from './labels.js';
import { csvField } from './runFiles.js';

/** What an export reads of a run: the extension's RunModel and the command line's run both have it. */
export interface ExportableRun {
  dir: string;
  run: { id: string; dataset: { root: string } };
  paths: readonly string[];
  /** Each image's cluster after the user's moves and merges. */
  cluster: ArrayLike<number>;
  confidence: ArrayLike<number>;
  labels: LabelsJson;
  /** The dataset's exclusion list (src/common/exclusions.ts): every export honours it. */
  excluded: ReadonlySet<string>;
}

export type MaterializeMode = 'copy' | 'hardlink' | 'symlink';

export interface ExportRow {
  path: string;
  cluster: number;
  name: string;
  confidence: number;
  excluded: boolean;
}

/**
 * Every image's row, or only those at the indices `only` (a selection). Excluded images are listed,
 * marked, in a table (it is the complete record) and left out of cluster folders.
 */
export function exportRows(m: ExportableRun, only?: readonly number[]): ExportRow[] {
  return (only ?? m.paths.map((_, i) => i)).map((i) => ({
    path: m.paths[i]!,
    cluster: m.cluster[i]!,
    name: clusterName(m.labels, m.cluster[i]!),
    confidence: m.confidence[i]!,
    excluded: m.excluded.has(m.paths[i]!),
  }));
}

/** The indices (of `only`, or of every image) the exclusion list does not name: what cluster folders get. */
export function includedIndices(m: ExportableRun, only?: readonly number[]): number[] {
  return (only ?? m.paths.map((_, i) => i)).filter((i) => !m.excluded.has(m.paths[i]!));
}

export function exportText(m: ExportableRun, format: 'csv' | 'json', only?: readonly number[]): string {
  const rows = exportRows(m, only);
  if (format === 'json') return JSON.stringify(rows, null, 1) + '\n';
  const lines = [
    'path,cluster,name,confidence,excluded',
    ...rows.map((r) =>
      [csvField(r.path), r.cluster, csvField(r.name), r.confidence.toFixed(6), r.excluded].join(','),
    ),
  ];
  return lines.join('\n') + '\n';
}

/** A cluster's folder name: its id first (names may repeat), then the name made safe for any file system. */
export function clusterFolder(id: number, name: string): string {
  const safe = name
    // eslint-disable-next-line no-control-regex -- control characters are exactly what file systems refuse
    .replace(/[<>:"/\\|?*\u0000-\u001f]/g, '_')
    .replace(/[. ]+$/, '')
    .slice(0, 80);
  return `${String(id).padStart(3, '0')} ${safe}`.trim();
}

/** An image's file name in its cluster folder: its dataset path flattened with "__". */
export function materializedName(path: string): string {
  return path.split('/').join('__');
}

/** True when `target` is `root` or below it (by path; callers that can resolve links pass real paths). */
export function isInside(target: string, root: string): boolean {
  const t = resolve(target);
  const r = resolve(root);
  return t === r || t.startsWith(r.endsWith(sep) ? r : r + sep);
}

/** `target` with links resolved as far as it exists, so a link into the dataset is caught too. */
async function realTarget(target: string): Promise<string> {
  let existing = target;
  const rest: string[] = [];
  for (;;) {
    try {
      return join(await realpath(existing), ...rest.reverse());
    } catch {
      const up = dirname(existing);
      if (up === existing) return target;
      rest.push(basename(existing));
      existing = up;
    }
  }
}

/**
 * Refuses, before anything is written, a target inside the dataset folder, by its path or through
 * links (the export's images would become training data). `what` names it in the message.
 */
export async function refuseInsideDataset(target: string, datasetRoot: string, what = target): Promise<void> {
  const root = resolve(datasetRoot);
  const realRoot = await realpath(root).catch(() => root);
  if (isInside(target, root) || isInside(await realTarget(resolve(target)), realRoot))
    throw new Error(
      `refused: ${what} is inside the dataset folder ${root} (the export would become training data)`,
    );
}

/** The indices whose image is still on disk, and those deleted since training (checked before writing). */
export async function splitDeleted(
  m: ExportableRun,
  indices: readonly number[],
): Promise<{ present: number[]; gone: number[] }> {
  const root = resolve(m.run.dataset.root);
  const isFile = await Promise.all(
    indices.map((i) =>
      stat(join(root, m.paths[i]!)).then(
        (st) => st.isFile(),
        () => false,
      ),
    ),
  );
  return { present: indices.filter((_, k) => isFile[k]), gone: indices.filter((_, k) => !isFile[k]) };
}

/** One line for images deleted since: how many, and the first. */
export function deletedLine(gone: readonly string[]): string {
  return `skipped ${gone.length} ${gone.length === 1 ? 'image that no longer exists' : 'images that no longer exist'}: ${gone[0]}${gone.length > 1 ? ', ...' : ''}`;
}

/** A full disk (or quota): the export stops and what it wrote is taken back. */
function isDiskFull(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/**
 * Fills `target` with a folder per cluster. Each image keeps its dataset path, flattened with "__"
 * so same-named files from different class folders do not collide. Existing files are left alone
 * and counted as skipped; a target inside the dataset is refused (the new files would become data).
 * Images on the exclusion list are left out and counted. When the disk fills up, everything this
 * call wrote (files, the folders it made, the marker) is removed again and the error says so: no
 * half export is left that looks whole.
 */
export async function materialize(
  m: ExportableRun,
  target: string,
  mode: MaterializeMode,
  o: { only?: readonly number[]; onSkip?: (path: string, e: Error) => void } = {},
): Promise<{ written: number; skipped: number; excluded: number }> {
  const root = resolve(m.run.dataset.root);
  await refuseInsideDataset(target, root);
  const included = includedIndices(m, o.only);
  const rows = exportRows(m, included);
  const existed = await lstat(target).then(
    () => true,
    () => false,
  );
  const made = new Set<string>();
  const wrote: string[] = [];
  let full: { file: string; error: Error } | undefined;
  let skipped = 0;
  // A few at a time: enough to overlap I/O without flooding a shared disk.
  const queue = [...rows];
  const worker = async () => {
    for (let r = queue.shift(); r && !full; r = queue.shift()) {
      const dir = join(target, clusterFolder(r.cluster, r.name));
      const to = join(dir, materializedName(r.path));
      try {
        if (!made.has(dir)) {
          await mkdir(dir, { recursive: true });
          made.add(dir);
        }
        const from = join(root, r.path);
        if (mode === 'copy') await copyFile(from, to, constants.COPYFILE_EXCL);
        else if (mode === 'hardlink') await link(from, to);
        else await symlink(from, to);
        wrote.push(to);
      } catch (e) {
        if (isDiskFull(e)) {
          full ??= { file: to, error: e as Error };
          // Created exclusively by this call (an existing file fails with EEXIST, not ENOSPC): a torn copy is ours.
          await unlink(to).catch(() => undefined);
          return;
        }
        o.onSkip?.(r.path, e as Error);
        skipped++;
      }
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  if (!full)
    try {
      await markExport(target, m, { mode });
    } catch (e) {
      if (!isDiskFull(e)) throw e;
      full = { file: join(target, EXPORT_MARKER), error: e as Error };
    }
  if (full) {
    await Promise.all(wrote.map((f) => unlink(f).catch(() => undefined)));
    // Only folders left empty: rmdir never removes anything else that is in them.
    for (const d of made) await rmdir(d).catch(() => undefined);
    if (!existed) await rmdir(target).catch(() => undefined);
    throw Object.assign(
      new Error(
        `the disk is full: cannot write ${full.file} (${(full.error as NodeJS.ErrnoException).code}); the export was undone, the ${wrote.length} files written before were removed and nothing of it is left in ${target}`,
      ),
      { code: (full.error as NodeJS.ErrnoException).code },
    );
  }
  return { written: wrote.length, skipped, excluded: (o.only ?? m.paths).length - included.length };
}

/** Marks `target` as a run's export, so the train flow does not offer it as a dataset. */
export async function markExport(
  target: string,
  m: ExportableRun,
  how: Record<string, string>,
): Promise<void> {
  await mkdir(target, { recursive: true });
  await writeJsonAtomic(join(target, EXPORT_MARKER), {
    format: 'clusterlab-export',
    run: m.run.id,
    runDir: m.dir,
    ...how,
    createdAt: new Date().toISOString(),
  });
}
