import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeHarness, type CliResult } from '../trainer/harness.js';
import { inParallel } from './inParallel.js';

const { tmp, data, cache, run } = makeHarness(3);
const folder = (name: string, files: Record<string, string | Buffer>): string => {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  for (const [f, content] of Object.entries(files)) writeFileSync(join(dir, f), content);
  return dir;
};
const aPng = join(
  data,
  'bags',
  'bag',
  readdirSync(join(data, 'bags', 'bag')).find((f) => f !== 'broken.png')!,
);
const onePng = folder('one image', {});
copyFileSync(aPng, join(onePng, 'only.png'));
const empty = folder('empty', {});
const textOnly = folder('text only', { 'README.md': '# photos\n', 'notes.txt': 'to do\n' });
const allBroken = folder('all broken', { 'a.png': '', 'b.jpg': 'text, not a photo\n' });
const missing = join(tmp, 'no such folder');
const aRun = folder('a run', { 'run.json': '{"format":"clusterlab-run"}' });

/** Each case: the arguments after `train`, and the one line that must explain what is wrong. */
const cases: [string, string[], RegExp][] = [
  [
    'clusters above the images',
    ['--data', data, '--clusters', '50'],
    new RegExp(`^clusterlab: ${esc(data)} has 30 decodable images, fewer than --clusters 50$`),
  ],
  [
    'one image',
    ['--data', onePng, '--clusters', '2'],
    new RegExp(`^clusterlab: ${esc(onePng)} has 1 decodable image, fewer than --clusters 2$`),
  ],
  [
    '--clusters 1',
    ['--data', data, '--clusters', '1'],
    /^clusterlab: --clusters must be a whole number from 2 to 100000 \(got 1\)$/,
  ],
  [
    'an empty folder',
    ['--data', empty],
    new RegExp(
      `^clusterlab: no decodable images in ${esc(empty)}: no file in it or its subfolders has an image extension`,
    ),
  ],
  [
    'only text files',
    ['--data', textOnly],
    new RegExp(
      `^clusterlab: no decodable images in ${esc(textOnly)}: no file in it or its subfolders has an image extension`,
    ),
  ],
  [
    'only broken images',
    ['--data', allBroken],
    new RegExp(
      `^clusterlab: no decodable images in ${esc(allBroken)}: all 2 image files were skipped \\(a\\.png: 0-byte file; b\\.jpg: not a decodable image`,
    ),
  ],
  [
    'a missing folder',
    ['--data', missing],
    new RegExp(`^clusterlab: image folder does not exist: ${esc(missing)}$`),
  ],
  [
    'a file as the folder',
    ['--data', aPng],
    new RegExp(`^clusterlab: image folder is not a directory: ${esc(aPng)}$`),
  ],
  [
    '--epochs 0',
    ['--epochs', '0'],
    /^clusterlab: --epochs must be a whole number from 1 to 100000 \(got 0\)$/,
  ],
  ['non-numeric --epochs', ['--epochs', 'many'], /^clusterlab: --epochs must be a number \(got 'many'\)$/],
  [
    '--image-size 100000',
    ['--image-size', '100000'],
    /^clusterlab: --image-size must be a whole number from 8 to 1024 \(got 100000\)$/,
  ],
  [
    '--batch -3',
    ['--batch', '-3'],
    /^clusterlab: --batch must be a whole number from 2 to 65536 \(got -3\)$/,
  ],
  [
    'fractional --batch',
    ['--batch', '2.5'],
    /^clusterlab: --batch must be a whole number from 2 to 65536 \(got 2\.5\)$/,
  ],
  [
    '--lr 1e9',
    ['--lr', '1e9'],
    /^clusterlab: --lr must be a number above 0 and below 10 \(got 1000000000\)$/,
  ],
  [
    'negative --lr',
    ['--lr', '-0.1'],
    /^clusterlab: --lr must be a number above 0 and below 10 \(got -0\.1\)$/,
  ],
  [
    '--seed -1',
    ['--seed', '-1'],
    /^clusterlab: --seed must be a whole number from 0 to 4294967295 \(got -1\)$/,
  ],
  ['--seed Infinity', ['--seed', 'Infinity'], /^clusterlab: --seed must be a number \(got 'Infinity'\)$/],
  ['--eval-every 0', ['--eval-every', '0'], /^clusterlab: --eval-every must be a whole number from 1/],
  [
    'SCAN: negative strong ops',
    ['--method', 'scan', '--param', 'scanOps=-1'],
    /^clusterlab: scan setting scanOps must be a whole number from 0 to 16 \(got -1\)$/,
  ],
  [
    'SCAN: fractional strong ops',
    ['--method', 'scan', '--param', 'strongOps=2.5'],
    /^clusterlab: scan setting strongOps must be a whole number from 0 to 16 \(got 2\.5\)$/,
  ],
  [
    'SCAN: no neighbours',
    ['--method', 'scan', '--param', 'neighbours=0'],
    /^clusterlab: scan setting neighbours must be a whole number of at least 1 \(got 0\)$/,
  ],
  [
    'SCAN: negative colour jitter',
    ['--method', 'scan', '--param', 'jitter=-0.5'],
    /^clusterlab: scan setting jitter must be a number from 0 to 2\.5 \(got -0\.5\)$/,
  ],
  [
    'SCAN: a confidence threshold above 1',
    ['--method', 'scan', '--param', 'threshold=1.5'],
    /^clusterlab: scan setting threshold must be a number from 0 to 1 \(got 1\.5\)$/,
  ],
  [
    'SCAN: a misspelt setting',
    ['--method', 'scan', '--param', 'entropyWeigth=2'],
    /^clusterlab: unknown setting 'entropyWeigth' for scan; did you mean 'entropyWeight'\?$/,
  ],
  [
    'unknown backbone',
    ['--backbone', 'vgg'],
    /^clusterlab: --backbone must be one of small, resnet18, resnet34 \(got vgg\)$/,
  ],
  [
    'unknown backend',
    ['--backend', 'gpu'],
    /^clusterlab: --backend must be one of auto, tensorflow-gpu, tensorflow, wasm, cpu \(got gpu\)$/,
  ],
  [
    'unknown option',
    ['--clsuters', '5'],
    /^clusterlab: unknown option --clsuters \(clusterlab help shows the options\)$/,
  ],
  [
    'an unquoted path with a space',
    ['--data', join(tmp, 'my'), 'photos'],
    /^clusterlab: unexpected argument 'photos' \(a path with spaces needs quotes\)/,
  ],
  ['an option without its value', ['--data'], /^clusterlab: Option '--data <value>' argument missing/],
  ['--param without =', ['--param', 'heads'], /^clusterlab: --param takes NAME=VALUE \(got 'heads'\)$/],
  [
    'an --out that holds a run',
    ['--out', aRun],
    new RegExp(`^clusterlab: ${esc(aRun)} already holds a run: resume it with --resume`),
  ],
];

/** Cases refused from the arguments alone, before the backend (half a second of tfjs) is loaded. */
const BEFORE_THE_BACKEND = new Set([
  'a missing folder',
  'a file as the folder',
  '--epochs 0',
  'SCAN: no neighbours',
  'unknown backend',
]);

function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function assertOneLineError(r: CliResult, message: RegExp, what: string): void {
  assert.notEqual(r.code, 0, `${what}: exit code`);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('clusterlab: '));
  assert.equal(errors.length, 1, `${what}: one error line in ${JSON.stringify(r.stderr)}`);
  assert.match(errors[0]!, message, what);
  assert.doesNotMatch(r.stderr, /^\s+at /m, `${what}: no stack trace`);
}

test('bad arguments and unusable data: one clear line, a non-zero exit, and no run folder', async () => {
  await inParallel(cases.length, async (i) => {
    const [what, args, message] = cases[i]!;
    const out = join(tmp, `never-${i}`);
    // The case's own --data or --out comes later and wins over these.
    const r = await run([
      'train',
      '--method',
      'cc',
      '--data',
      data,
      '--backend',
      'cpu',
      '--cache',
      cache,
      '--out',
      out,
      ...args,
    ]);
    assertOneLineError(r, message, what);
    assert.ok(!existsSync(out), `${what}: no run folder`);
    if (BEFORE_THE_BACKEND.has(what))
      assert.doesNotMatch(r.stderr, /^\s*backend[ :]/m, `${what}: refused before the backend starts`);
  });
});

test('missing --method or --data, and --resume with settings it cannot change', async () => {
  assertOneLineError(
    await run(['train', '--data', data]),
    /^clusterlab: --method is required \(cc, scan, deepcluster, kmeans, scanhead, temi\)$/,
    'no --method',
  );
  assertOneLineError(
    await run(['train', '--method', 'spectral', '--data', data]),
    /^clusterlab: --method must be one of cc, scan, deepcluster, kmeans, scanhead, temi \(got spectral\)$/,
    'unknown method',
  );
  assertOneLineError(await run(['train', '--method', 'cc']), /^clusterlab: --data is required/, 'no --data');
  assertOneLineError(
    await run(['train', '--resume', aRun, '--lr', '0.1', '--clusters', '3']),
    /^clusterlab: --resume continues a run with the settings in its run\.json; only --epochs, --stages and --cache go with it \(got --lr, --clusters\)$/,
    '--resume --lr',
  );
  const noRun = join(tmp, 'not a run');
  assertOneLineError(
    await run(['train', '--resume', noRun, '--cache', cache]),
    new RegExp(`^clusterlab: ${esc(noRun)} is not a run folder: it has no run\\.json$`),
    'resume of nothing',
  );
  assert.ok(!existsSync(noRun));
});
