/**
 * Where `clusterlab assign` (and the extension's "Assign Images with This Run…") puts the clusters
 * of a folder of new images: beside the run, one folder per image folder, so assigning several
 * folders keeps each and the run's own assignments.csv is never touched.
 *   RUN/assigned/<folder name>/assignments.csv   path,cluster,confidence (paths relative to the folder)
 *   RUN/assigned/<folder name>/assigned.json     the header: AssignedHeader
 */
import { basename, dirname, join } from 'node:path';

export interface AssignedHeader {
  /** The image folder, absolute. */
  data: string;
  run: string;
  /** The checkpoint epoch that assigned them. */
  epoch: number;
  when: string;
  images: number;
  assigned: number;
  skipped: { path: string; reason: string }[];
  /** Images per cluster. */
  clusterSizes: number[];
}

/** The CSV and header paths: `out` (a .csv file; the header is its name with .json) or the default beside the run. */
export function assignedPaths(
  runDir: string,
  dataDir: string,
  out?: string,
): { csv: string; header: string } {
  if (out) return { csv: out, header: join(dirname(out), `${basename(out).replace(/\.csv$/i, '')}.json`) };
  const dir = join(runDir, 'assigned', basename(dataDir) || 'images');
  return { csv: join(dir, 'assignments.csv'), header: join(dir, 'assigned.json') };
}
