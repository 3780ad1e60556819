// `clusterlab assign RUN --data DIR` on a run the real CLI trained: new images get clusters without
// training, written beside the run; training images land where training put them; images of
// another kind (grey for a colour run, another size for a fixed-size data set) are refused before
// anything is written; an earlier result is never replaced without --overwrite.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import type { AssignedHeader } from '../../src/common/assignedFiles.js';
import { parseAssignments } from '../../src/common/runFiles.js';
import { startCli } from './harness.js';
import { makeSyntheticClasses } from './syntheticClasses.js';

const tmp = mkdtempSync(join(tmpdir(), 'clusterlab-assign-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const run = join(tmp, 'run');
const cache = join(tmp, 'cache');
let training: Map<string, number>;

before(async () => {
  const data = await makeSyntheticClasses(join(tmp, 'data'), 20);
  const r = await startCli([
    'train',
    '--method',
    'cc',
    '--data',
    data,
    '--clusters',
    '4',
    '--image-size',
    '16',
    '--epochs',
    '1',
    '--batch',
    '32',
    '--backend',
    'wasm',
    '--cache',
    cache,
    '--out',
    run,
  ]).done;
  assert.equal(r.code, 0, r.stderr);
  training = new Map(
    parseAssignments(readFileSync(join(run, 'assignments.csv'), 'utf8')).map((a) => [a.path, a.cluster]),
  );
});

const assign = (args: string[]) => startCli(['assign', run, '--backend', 'wasm', ...args]).done;

test('a new folder is assigned beside the run; its copies of training images keep their training clusters', async () => {
  // Ten training images copied under new names, and ten images training never saw (another seed).
  const photos = join(tmp, 'photos');
  const copied = [...training.keys()].filter((_, i) => i % 8 === 0);
  mkdirSync(join(photos, 'old'), { recursive: true });
  for (const p of copied) copyFileSync(join(tmp, 'data', p), join(photos, 'old', p.replace('/', '-')));
  await makeSyntheticClasses(join(photos, 'new'), 3, 16, 7);

  const r = await assign(['--data', photos]);
  assert.equal(r.code, 0, r.stderr);
  const csv = join(run, 'assigned', 'photos', 'assignments.csv');
  assert.match(
    r.stdout,
    new RegExp(
      `assigned ${copied.length + 12} of ${copied.length + 12} images of .*photos to \\d clusters .*0 skipped: ${csv}`,
    ),
  );
  const rows = parseAssignments(readFileSync(csv, 'utf8'));
  assert.equal(rows.length, copied.length + 12);
  for (const p of copied) {
    const row = rows.find((a) => a.path === `old/${p.replace('/', '-')}`);
    assert.equal(
      row?.cluster,
      training.get(p),
      `${p} assigned to ${row?.cluster}, trained into ${training.get(p)}`,
    );
  }
  assert.ok(rows.every((a) => a.cluster >= 0 && a.cluster < 4 && a.confidence > 0 && a.confidence <= 1));
  const header = JSON.parse(
    readFileSync(join(run, 'assigned', 'photos', 'assigned.json'), 'utf8'),
  ) as AssignedHeader;
  assert.deepEqual(
    [header.data, header.images, header.assigned, header.epoch],
    [photos, rows.length, rows.length, 1],
  );
  assert.equal(
    header.clusterSizes.reduce((a, b) => a + b, 0),
    rows.length,
  );

  // Again: refused, the first result untouched; with --overwrite, replaced.
  const before = readFileSync(csv, 'utf8');
  const again = await assign(['--data', photos]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /assignments\.csv exists \(an earlier assignment\); pass --overwrite/);
  assert.equal(readFileSync(csv, 'utf8'), before);
  const replaced = await assign(['--data', photos, '--overwrite']);
  assert.equal(replaced.code, 0, replaced.stderr);
});

test('grey images for a colour run, or another size than a fixed-size training set, are refused with one line before anything is written', async () => {
  const grey = join(tmp, 'grey');
  mkdirSync(grey);
  await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 90, g: 90, b: 90 } } })
    .toColourspace('b-w')
    .png()
    .toFile(join(grey, 'g.png'));
  const g = await assign(['--data', grey]);
  assert.equal(g.code, 1);
  assert.equal(
    g.stderr.trim(),
    `clusterlab: ${join(grey, 'g.png')} is grey, but the run was trained on colour images (its training images in ${join(tmp, 'data')}); assign images of the kind it was trained on`,
  );
  assert.ok(!existsSync(join(run, 'assigned', 'grey')));

  const big = join(tmp, 'big');
  mkdirSync(big);
  await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 200, g: 20, b: 90 } } })
    .png()
    .toFile(join(big, 'b.png'));
  const b = await assign(['--data', big]);
  assert.equal(b.code, 1);
  assert.match(b.stderr, /b\.png is 40x30 px, but every training image of the run is 16x16/);
  assert.ok(!existsSync(join(run, 'assigned', 'big')));
});
