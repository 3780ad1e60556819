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

/** A folder holding images is a class: copy `perClass` of them; other folders are recursed into. */
function copyClasses(from: string, to: string, perClass: number): void {
  const entries = readdirSync(from).sort();
  const images = entries.filter((e) => e.endsWith('.png'));
  mkdirSync(to, { recursive: true });
  for (const image of images.slice(0, perClass)) cpSync(join(from, image), join(to, image));
  for (const dir of entries.filter((e) => statSync(join(from, e)).isDirectory())) copyClasses(join(from, dir), join(to, dir), perClass);
}

/**
 * A real finished run: the sample's first 4 images of each class in the workspace, one epoch of
 * CC on them, as the command line makes it, into .clusterlab/runs/<id>. Returns the run folder.
 */
export function trainSampleRun(workspace: string, home: string, id: string): string {
  const data = makeSampleWorkspace(workspace, 4);
  const runDir = join(workspace, '.clusterlab', 'runs', id);
  const train = spawnSync(process.execPath, ['bin/clusterlab.mjs', 'train', '--method', 'cc', '--data', data, '--clusters', '10', '--grayscale', '--image-size', '28', '--epochs', '1', '--batch', '20', '--out', runDir], {
    encoding: 'utf8',
    env: { ...process.env, CLUSTERLAB_CACHE: join(home, 'pixel-cache') },
  });
  assert.equal(train.status, 0, train.stderr);
  return runDir;
}
