/**
 * Getting the relabelled clusters out of ClusterLab: a CSV or JSON table of path, cluster, name,
 * confidence and whether the dataset's exclusion list names the image, or folders with one
 * sub-folder per cluster filled with copies of (or links to) the images the list does not exclude.
 * The originals are never moved or overwritten. Shared by the extension (export, Materialize) and
 * `clusterlab export`.
 */
import { constants } from 'node:fs';
import { copyFile, link, mkdir, symlink } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
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

/**
 * Fills `target` with a folder per cluster. Each image keeps its dataset path, flattened with "__"
 * so same-named files from different class folders do not collide. Existing files are left alone
 * and counted as skipped; a target inside the dataset is refused (the new files would become data).
 * Images on the exclusion list are left out and counted.
 */
export async function materialize(
  m: ExportableRun,
  target: string,
  mode: MaterializeMode,
  o: { only?: readonly number[]; onSkip?: (path: string, e: Error) => void } = {},
): Promise<{ written: number; skipped: number; excluded: number }> {
  const root = resolve(m.run.dataset.root);
  if (isInside(target, root)) throw new Error(`refused: ${target} is inside the dataset folder ${root}`);
  const included = includedIndices(m, o.only);
  const rows = exportRows(m, included);
  const made = new Set<string>();
  let written = 0;
  let skipped = 0;
  // A few at a time: enough to overlap I/O without flooding a shared disk.
  const queue = [...rows];
  const worker = async () => {
    for (let r = queue.shift(); r; r = queue.shift()) {
      const dir = join(target, clusterFolder(r.cluster, r.name));
      if (!made.has(dir)) {
        await mkdir(dir, { recursive: true });
        made.add(dir);
      }
      const from = join(root, r.path);
      const to = join(dir, materializedName(r.path));
      try {
        if (mode === 'copy') await copyFile(from, to, constants.COPYFILE_EXCL);
        else if (mode === 'hardlink') await link(from, to);
        else await symlink(from, to);
        written++;
      } catch (e) {
        o.onSkip?.(r.path, e as Error);
        skipped++;
      }
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  await markExport(target, m, { mode });
  return { written, skipped, excluded: (o.only ?? m.paths).length - included.length };
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
