// A new user's workspace in a temp folder: a subset of the embedded Fashion-MNIST sample, kept
// in its super-class/class folders so the runs are scored and the confusion view has labels.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const SAMPLE = resolve('sample/fashion');

/** Copies the first `perClass` images of every class folder to `workspace/fashion`; returns that folder. */
export function makeSampleWorkspace(workspace: string, perClass: number): string {
  const dataset = join(workspace, 'fashion');
  copyClasses(SAMPLE, dataset, perClass);
  return dataset;
}

/** A real run made as the command line makes it: one epoch of CC on `data`, `clusters` clusters, into `out`. */
export function trainTinyRun(data: string, out: string, home: string, clusters = 10): void {
  const train = spawnSync(
    process.execPath,
    [
      'bin/clusterlab.mjs',
      'train',
      '--method',
      'cc',
      '--data',
      data,
      '--clusters',
      String(clusters),
      '--grayscale',
      '--image-size',
      '28',
      '--epochs',
      '1',
      '--batch',
      '20',
      '--out',
      out,
    ],
    {
      encoding: 'utf8',
      env: { ...process.env, CLUSTERLAB_CACHE: join(home, 'pixel-cache') },
    },
  );
  assert.equal(train.status, 0, train.stderr);
}

/** A folder holding images is a class: copy `perClass` of them; other folders are recursed into. */
function copyClasses(from: string, to: string, perClass: number): void {
  const entries = readdirSync(from).sort();
  const images = entries.filter((e) => e.endsWith('.png'));
  mkdirSync(to, { recursive: true });
  for (const image of images.slice(0, perClass)) cpSync(join(from, image), join(to, image));
  for (const dir of entries.filter((e) => statSync(join(from, e)).isDirectory()))
    copyClasses(join(from, dir), join(to, dir), perClass);
}
