/**
 * Clusters a folder of new images with a finished run, without training: `clusterlab assign RUN
 * --data DIR` and the trainer server's assignFolder request (the extension's "Assign Images with
 * This Run…") both come here. The model and decoding are the Assigner's (the run's size, channels
 * and decoder), so an image of the training set lands where training put it.
 *
 * Every image is decoded to the run's S x S x C whatever its own size, so pixel size alone never
 * mismatches. What is refused, before any image is decoded, is input of another kind than the run
 * was trained on, read from the files' headers (sharp metadata) beside a sample of the training
 * images: grey images for a run trained on colour ones and colour images for a run trained on grey
 * ones (decoding would make them fit, but the network never saw such input), and, when every
 * sampled training image had one size (a fixed-size data set such as Fashion-MNIST's 28 x 28), an
 * image of another size. Training images that are gone fall back to the run's channels setting.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import sharp from 'sharp';
import { assignedPaths, type AssignedHeader } from '../../common/assignedFiles.js';
import { writeFileAtomic } from '../../common/atomicFile.js';
import { csvField, parseAssignments } from '../../common/runFiles.js';
import type { RunJson } from '../../protocol/run.js';
import { scanFolder } from '../data/scan.js';
import type { Assigner } from './assign.js';
import { checkpointEpoch } from './checkpoint.js';
import { RunFolder } from './runFolder.js';

/** Images per request to the model: bounded memory on big folders, progress between batches. */
const BATCH = 512;
/** Training images whose headers say what kind of input the run saw. */
const TRAINING_SAMPLE = 16;

export interface AssignFolderOptions {
  /** The CSV to write (its header beside it); default RUN/assigned/<folder name>/. */
  out?: string;
  /** Replace an earlier result at that place; without it an existing one is refused. */
  overwrite?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface AssignFolderResult {
  csv: string;
  header: AssignedHeader;
}

interface Kind {
  grey: boolean;
  width: number;
  height: number;
}

async function kindOf(abs: string): Promise<Kind | undefined> {
  const m = await sharp(abs, { limitInputPixels: false })
    .metadata()
    .catch(() => undefined);
  if (!m?.width || !m.height) return undefined;
  // 1 band, or grey + alpha; a palette image is grey only if libvips reports a b-w space.
  const grey = m.space === 'b-w' || m.space === 'grey16' || (m.channels ?? 3) - (m.hasAlpha ? 1 : 0) === 1;
  return { grey, width: m.width, height: m.height };
}

const mode = (grey: boolean) => (grey ? 'grey' : 'colour');

/** What the run was trained on, from a spread sample of its assignments.csv's images. */
async function trainedOn(
  folder: RunFolder,
  run: RunJson,
): Promise<{ grey: boolean; size?: string; from: string }> {
  const rows = parseAssignments(
    await readFile(join(folder.dir, 'assignments.csv'), 'utf8').catch(() => 'path,cluster,confidence\n'),
  );
  const step = Math.max(1, Math.floor(rows.length / TRAINING_SAMPLE));
  const kinds: Kind[] = [];
  for (let i = 0; i < rows.length && kinds.length < TRAINING_SAMPLE; i += step) {
    const k = await kindOf(join(run.dataset.root, rows[i]!.path));
    if (k) kinds.push(k);
  }
  if (kinds.length === 0)
    return {
      grey: run.config.channels === 1,
      from: `its settings (${run.config.channels === 1 ? 'grey' : 'RGB'}; its training images are not readable at ${run.dataset.root})`,
    };
  const sizes = new Set(kinds.map((k) => `${k.width}x${k.height}`));
  const greys = kinds.filter((k) => k.grey).length;
  return {
    grey: greys * 2 > kinds.length,
    ...(sizes.size === 1 ? { size: [...sizes][0]! } : {}),
    from: `its training images in ${run.dataset.root}`,
  };
}

/** Assigns every image under `dataDir`; writes the CSV and header atomically; throws one line on bad input. */
export async function assignFolder(
  assigner: Assigner,
  runDir: string,
  dataDir: string,
  o: AssignFolderOptions = {},
): Promise<AssignFolderResult> {
  const folder = new RunFolder(runDir);
  const run = await folder.readRun();
  if (run.status !== 'done')
    throw new Error(`${runDir} is ${run.status}, not finished: only a finished run assigns new images`);
  const scan = await scanFolder(dataDir);
  if (scan.entries.length === 0) throw new Error(`no images in ${scan.root}`);
  const paths = assignedPaths(runDir, scan.root, o.out);
  if (!o.overwrite && existsSync(paths.csv)) {
    throw new Error(
      `${paths.csv} exists (an earlier assignment); pass --overwrite to replace it or --out FILE to write elsewhere`,
    );
  }

  const trained = await trainedOn(folder, run);
  for (const e of scan.entries) {
    const k = await kindOf(e.abs);
    if (!k) continue; // undecodable: skipped below, with the decoder's reason
    if (k.grey !== trained.grey) {
      throw new Error(
        `${e.abs} is ${mode(k.grey)}, but the run was trained on ${mode(trained.grey)} images (${trained.from}); assign images of the kind it was trained on`,
      );
    }
    if (trained.size && `${k.width}x${k.height}` !== trained.size) {
      throw new Error(
        `${e.abs} is ${k.width}x${k.height} px, but every training image of the run is ${trained.size} (${trained.from}); assign images of that size`,
      );
    }
  }

  const skipped: AssignedHeader['skipped'] = scan.skipped.map((s) => ({ path: s.path, reason: s.reason }));
  const rows: string[] = ['path,cluster,confidence'];
  const sizes = new Array<number>(run.config.clusters).fill(0);
  try {
    for (let i = 0; i < scan.entries.length; i += BATCH) {
      const batch = scan.entries.slice(i, i + BATCH);
      // One open embedding cache for the folder (a feature-model run): its index is read once, not per batch.
      const r = await assigner.assign(
        runDir,
        batch.map((e) => e.abs),
        { holdCache: true },
      );
      for (const a of r.assignments) {
        rows.push(
          `${csvField(relative(scan.root, a.path).split('\\').join('/'))},${a.cluster},${a.confidence.toFixed(6)}`,
        );
        sizes[a.cluster]!++;
      }
      for (const s of r.skipped) skipped.push({ path: relative(scan.root, s.path), reason: s.reason });
      o.onProgress?.(Math.min(i + BATCH, scan.entries.length), scan.entries.length);
    }
  } finally {
    await assigner.closeCache();
  }
  const header: AssignedHeader = {
    data: scan.root,
    run: runDir,
    epoch: await checkpointEpoch(folder.checkpointDir),
    when: new Date().toISOString(),
    images: scan.entries.length + scan.skipped.length,
    assigned: rows.length - 1,
    skipped,
    clusterSizes: sizes,
  };
  await mkdir(dirname(paths.csv), { recursive: true });
  await mkdir(dirname(paths.header), { recursive: true });
  await writeFileAtomic(paths.csv, rows.join('\n') + '\n');
  await writeFileAtomic(paths.header, JSON.stringify(header, null, 2) + '\n');
  return { csv: paths.csv, header };
}
