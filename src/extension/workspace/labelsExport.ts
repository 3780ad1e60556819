/**
 * Getting the relabelled clusters out of ClusterLab: a CSV or JSON table of path, cluster, name
 * and confidence, or folders with one sub-folder per cluster filled with copies of (or links to)
 * the images. The originals are never moved or overwritten.
 */
import { constants } from 'node:fs';
import { copyFile, mkdir, symlink } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { writeJsonAtomic } from '../../common/atomicFile.js';
import { EXPORT_MARKER } from '../../common/datasets.js';
import { clusterName } from '../../common/labels.js';
import { csvField } from '../../common/runFiles.js';
import type { RunModel } from '../views/galleryModel.js';

export interface ExportRow {
  path: string;
  cluster: number;
  name: string;
  confidence: number;
}

/** Every image's row, or only those at the indices `only` (a map selection). */
export function exportRows(m: RunModel, only?: readonly number[]): ExportRow[] {
  return (only ?? m.paths.map((_, i) => i)).map((i) => ({ path: m.paths[i]!, cluster: m.cluster[i]!, name: clusterName(m.labels, m.cluster[i]!), confidence: m.confidence[i]! }));
}

export function exportText(m: RunModel, format: 'csv' | 'json', only?: readonly number[]): string {
  const rows = exportRows(m, only);
  if (format === 'json') return JSON.stringify(rows, null, 1) + '\n';
  const lines = ['path,cluster,name,confidence', ...rows.map((r) => [csvField(r.path), r.cluster, csvField(r.name), r.confidence.toFixed(6)].join(','))];
  return lines.join('\n') + '\n';
}

/** A cluster's folder name: its id first (names may repeat), then the name made safe for any file system. */
export function clusterFolder(id: number, name: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what file systems refuse
  const safe = name.replace(/[<>:"/\\|?*\u0000-\u001f]/g, '_').replace(/[. ]+$/, '').slice(0, 80);
  return `${String(id).padStart(3, '0')} ${safe}`.trim();
}

/**
 * Fills `target` with a folder per cluster. Each image keeps its dataset path, flattened with "__"
 * so same-named files from different class folders do not collide. Existing files are left alone
 * and counted as skipped; a target inside the dataset is refused (the new files would become data).
 */
export async function materialize(m: RunModel, target: string, mode: 'copy' | 'symlink'): Promise<{ written: number; skipped: number }> {
  const root = resolve(m.run.dataset.root);
  const t = resolve(target);
  if (t === root || t.startsWith(root + sep)) throw new Error(`refused: ${target} is inside the dataset folder ${root}`);
  const rows = exportRows(m);
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
      const to = join(dir, r.path.split('/').join('__'));
      try {
        if (mode === 'copy') await copyFile(from, to, constants.COPYFILE_EXCL);
        else await symlink(from, to);
        written++;
      } catch {
        skipped++;
      }
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  // Marks the folder as a run's export, so the train flow does not offer it as a dataset.
  await mkdir(target, { recursive: true });
  await writeJsonAtomic(join(target, EXPORT_MARKER), { format: 'clusterlab-export', run: m.run.id, runDir: m.dir, mode, createdAt: new Date().toISOString() });
  return { written, skipped };
}
