/**
 * `clusterlab export RUN`: the run's images (all, or a selection) with their clusters after the
 * user's edits, as an ImageFolder tree, a CSV or a JSON file. Everything that could refuse the
 * export (the run, the selection, the target inside the dataset, a file already there) is checked
 * before anything is written; existing files are never overwritten.
 */
import { lstat, mkdir, readFile, rmdir, stat, unlink } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { folderCommandArgs, type Subcommand } from '../commandArgs.js';
import { writeFileAtomic } from '../../common/atomicFile.js';
import { EXPORT_MARKER } from '../../common/datasets.js';
import { applyExclusions, exclusionFile } from '../../common/exclusions.js';
import { clusterName } from '../../common/labels.js';
import {
  clusterFolder,
  deletedLine,
  exportText,
  includedIndices,
  markExport,
  materialize,
  materializedName,
  refuseInsideDataset,
  splitDeleted,
  type ExportableRun,
  type MaterializeMode,
} from '../../common/runExport.js';
import { ConfigError } from '../run/config.js';
import { readRunClusters } from './runClusters.js';

const FORMATS = ['imagefolder', 'csv', 'json'] as const;
const MODES: readonly MaterializeMode[] = ['copy', 'hardlink', 'symlink'];

export const EXPORT_USAGE = `usage: clusterlab export RUN_DIR --format imagefolder|csv|json --out DIR [--selection FILE] [--mode copy|hardlink|symlink]

Exports the run's images with their clusters after your edits in the extension (labels.json: names,
moves, merges). imagefolder: a folder per cluster ("003 Name", the id first since names may repeat)
holding copies (default), hard links or symbolic links of the images; csv: DIR/clusters.csv
(path,cluster,name,confidence,excluded); json: DIR/clusters.json, written atomically. Images on the
dataset's exclusion list (DATASET/.clusterlab-exclude.json, made by "Exclude from dataset" in the
extension) are left out of the folders and marked excluded in the tables. --selection FILE
exports only the images it names (one path per line, or a JSON list; relative to the dataset folder
or absolute); images it names that no longer exist are skipped and reported in one line. DIR gets a
${EXPORT_MARKER} file so ClusterLab never offers the export as a dataset. Refuses, before writing
anything, a DIR inside the dataset folder and any file already in DIR (nothing is overwritten).
Exit status: 0 exported, 2 bad input, 3 another failure.`;

/** The run's indices of the images a selection file names; a path the run does not have is bad input. */
async function readSelection(
  file: string,
  root: string,
  index: ReadonlyMap<string, number>,
): Promise<number[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new ConfigError(
      `cannot read --selection ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  let names: unknown[];
  if (text.trimStart().startsWith('[')) {
    try {
      names = JSON.parse(text) as unknown[];
    } catch (e) {
      throw new ConfigError(`--selection ${file} is not a JSON list of paths: ${(e as Error).message}`);
    }
    if (!Array.isArray(names) || names.some((n) => typeof n !== 'string'))
      throw new ConfigError(`--selection ${file} must be a JSON list of path strings`);
  } else
    names = text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l !== '');
  const out = new Set<number>();
  for (const name of names as string[]) {
    const rel = isAbsolute(name) ? relative(root, name).split(sep).join('/') : name.replace(/^\.\//, '');
    const i = index.get(rel);
    if (i === undefined)
      throw new ConfigError(
        `--selection ${file}: '${name}' is not an image of this run (paths are relative to ${root}, as in assignments.csv)`,
      );
    out.add(i);
  }
  return [...out].sort((a, b) => a - b);
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

/**
 * The table, then the marker: a failure (a full disk) takes back both, and the folder when this
 * made it, so no export is left that looks whole.
 */
async function writeTable(
  target: string,
  file: string,
  text: () => string,
  m: ExportableRun,
  format: string,
): Promise<void> {
  const existed = await exists(target);
  try {
    await mkdir(target, { recursive: true });
    await writeFileAtomic(file, text());
    await markExport(target, m, { as: format });
  } catch (e) {
    await unlink(file).catch(() => undefined);
    if (!existed) await rmdir(target).catch(() => undefined);
    throw new Error(`${(e as Error).message}; the export was undone, nothing of it is left in ${target}`, {
      cause: e,
    });
  }
}

export const exportCli: Subcommand = async (args, out, err) => {
  const parsed = folderCommandArgs(
    args,
    {
      format: { type: 'string' },
      out: { type: 'string' },
      selection: { type: 'string' },
      mode: { type: 'string' },
    },
    EXPORT_USAGE,
    out,
    'export takes one run folder',
  );
  if (!parsed) return 0;
  const { values, folder } = parsed;
  const format = values.format as (typeof FORMATS)[number] | undefined;
  if (!format || !FORMATS.includes(format))
    throw new ConfigError(
      `--format must be one of ${FORMATS.join(', ')} (got ${values.format ?? 'nothing'})`,
    );
  if (!values.out) throw new ConfigError('--out is required: the folder to export into');
  const mode = (values.mode ?? 'copy') as MaterializeMode;
  if (!MODES.includes(mode))
    throw new ConfigError(`--mode must be one of ${MODES.join(', ')} (got ${values.mode})`);
  if (values.mode !== undefined && format !== 'imagefolder')
    throw new ConfigError('--mode applies to --format imagefolder only');

  const r = await readRunClusters(folder).catch((e: Error) => {
    throw e instanceof ConfigError ? e : new ConfigError(e.message);
  });
  const m: ExportableRun = r;
  const root = resolve(r.run.dataset.root);
  const index = new Map(r.paths.map((p, i) => [p, i]));
  const chosen = values.selection
    ? await readSelection(values.selection, root, index)
    : r.paths.map((_, i) => i);

  const target = resolve(values.out);
  await refuseInsideDataset(target, root, `--out ${target}`).catch((e: Error) => {
    throw new ConfigError(e.message);
  });
  if ((await stat(target).catch(() => undefined))?.isDirectory() === false)
    throw new ConfigError(`refused: --out ${target} is a file, not a folder`);

  // Names on the exclusion list that are no images of this run (deleted since): ignored, said once.
  const stale = applyExclusions(r.paths, (p) => p, r.excluded).stale;
  if (stale > 0)
    err.write(
      `ignored ${stale} ${stale === 1 ? 'name' : 'names'} on ${exclusionFile(root)} that ${stale === 1 ? 'is no image' : 'are no images'} of this run (deleted since?)\n`,
    );
  // Images deleted since training: left out, said once.
  const { present: only, gone } = await splitDeleted(m, chosen);
  if (gone.length > 0) err.write(`${deletedLine(gone.map((i) => r.paths[i]!))}\n`);

  const file = format === 'imagefolder' ? undefined : join(target, `clusters.${format}`);
  const planned = [
    join(target, EXPORT_MARKER),
    ...(file
      ? [file]
      : includedIndices(m, only).map((i) =>
          join(
            target,
            clusterFolder(r.cluster[i]!, clusterName(r.labels, r.cluster[i]!)),
            materializedName(r.paths[i]!),
          ),
        )),
  ];
  for (const p of planned)
    if (await exists(p))
      throw new ConfigError(`refused: ${p} already exists (export never overwrites: choose an empty --out)`);

  if (file) {
    await writeTable(target, file, () => exportText(m, format as 'csv' | 'json', only), m, format);
    out.write(`exported ${only.length} images of run ${r.run.id} to ${file}\n`);
    return 0;
  }
  let firstFailure: string | undefined;
  const done = await materialize(m, target, mode, {
    only,
    onSkip: (p, e) => (firstFailure ??= `${p}: ${e.message}`),
  });
  const left = done.excluded > 0 ? `; ${done.excluded} excluded by ${exclusionFile(root)} left out` : '';
  out.write(
    `exported ${done.written} images of run ${r.run.id} to ${target} (a folder per cluster, ${mode === 'copy' ? 'copies' : mode === 'hardlink' ? 'hard links' : 'symbolic links'}${left})\n`,
  );
  if (done.skipped > 0) {
    err.write(`clusterlab: ${done.skipped} images could not be written (first: ${firstFailure})\n`);
    return 3;
  }
  return 0;
};
