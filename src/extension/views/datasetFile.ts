/**
 * The one way a page's image path becomes a file: refused unless the run lists it (or, for a
 * folder with no run, the page was shown it), it resolves inside the dataset folder (a crafted assignments.csv could say ../.., a symlink in the
 * dataset could lead to ~/.ssh: both are compared as real paths), and that folder is in the
 * workspace. Thumbnails are made only for such files.
 */
import { realpathSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import type { ThumbnailCache } from '../workspace/thumbnails.js';
import type { RunModel } from './runModel.js';
import type { WebviewPort } from './webviewPage.js';

/** The images a page may name, and the dataset folder they lie in. */
export interface KnownImages {
  root: string;
  has(path: string): boolean;
  /** Says whose images they are: 'this run', 'this folder'. */
  of: string;
}

export function runImages(m: RunModel): KnownImages {
  return { root: m.run.dataset.root, has: (p) => m.index.has(p), of: 'this run' };
}

export function requireKnown(m: KnownImages, paths: readonly string[]): void {
  const unknown = paths.find((p) => !m.has(p));
  if (unknown !== undefined) throw new Error(`not an image of ${m.of}: ${unknown}`);
}

export function datasetFile(m: KnownImages, path: string, isInWorkspace: (p: string) => boolean): string {
  requireKnown(m, [path]);
  const root = resolve(m.root);
  const file = resolve(join(root, path));
  if (!file.startsWith(root + sep)) throw new Error(`refused: ${path} lies outside the dataset folder`);
  if (!isInWorkspace(file)) throw new Error(`refused: ${file} is outside the workspace`);
  const real = realOf(file);
  const realRoot = realOf(root);
  if (!real.startsWith(realRoot + sep))
    throw new Error(`refused: ${path} is a link to ${real}, outside the dataset folder`);
  return real;
}

/** Thumbnail URLs for the known images in `paths`; "" for one refused or undecodable (it fails alone). */
export async function thumbnailUris(
  m: KnownImages,
  paths: readonly string[],
  thumbs: ThumbnailCache,
  port: Pick<WebviewPort<never>, 'asUri'>,
  isInWorkspace: (p: string) => boolean,
): Promise<{ path: string; uri: string }[]> {
  const known = paths.filter((p) => m.has(p));
  const files = await Promise.all(
    known.map(async (p) => {
      try {
        return await thumbs.get(datasetFile(m, p, isInWorkspace));
      } catch {
        return undefined;
      }
    }),
  );
  return known.map((path, i) => ({ path, uri: files[i] ? port.asUri(files[i]) : '' }));
}

function realOf(path: string): string {
  try {
    return realpathSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(
      code === 'ENOENT'
        ? `${path} does not exist (any more)`
        : `refused: ${path} cannot be resolved (${code ?? (e as Error).message})`,
      { cause: e },
    );
  }
}
