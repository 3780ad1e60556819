import assert from 'node:assert/strict';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { findDatasets } from '../../src/common/datasets.js';
import { parseAssignments } from '../../src/common/runFiles.js';
import { makeHarness } from './harness.js';

const { tmp, data, cache, run } = makeHarness(2);
const runDir = join(tmp, 'run');
let rows: { path: string; cluster: number; confidence: number }[] = [];
// The user's edits: cluster 0 renamed, one image moved into a new cluster 5.
let moved = '';

before(async () => {
  const t = await run([
    'train',
    '--method',
    'cc',
    '--data',
    data,
    '--clusters',
    '3',
    '--epochs',
    '1',
    '--image-size',
    '16',
    '--batch',
    '8',
    '--backend',
    'wasm',
    '--cache',
    cache,
    '--out',
    runDir,
  ]);
  assert.equal(t.code, 0, t.stderr);
  rows = parseAssignments(readFileSync(join(runDir, 'assignments.csv'), 'utf8'));
  moved = rows[0]!.path;
  writeFileSync(
    join(runDir, 'labels.json'),
    JSON.stringify({
      format: 'clusterlab-labels',
      version: 1,
      names: { '0': 'Tops/shirts' },
      merges: [],
      moves: { [moved]: 5 },
    }),
  );
});

const clusterOf = (p: string) => (p === moved ? 5 : rows.find((r) => r.path === p)!.cluster);
const nameOf = (c: number) => (c === 0 ? 'Tops/shirts' : `Cluster ${c}`);
const exportRun = (args: string[]) => run(['export', runDir, ...args]);

test("imagefolder: a folder per cluster after the user's moves and names, copies by default, marked as an export", async () => {
  const out = join(tmp, 'tree');
  const r = await exportRun(['--format', 'imagefolder', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /exported 20 images of run .* \(a folder per cluster, copies\)/);
  const folders = readdirSync(out)
    .filter((f) => !f.startsWith('.'))
    .sort();
  const expected = [...new Set(rows.map((x) => clusterOf(x.path)))]
    .sort((a, b) => a - b)
    .map((c) => `${String(c).padStart(3, '0')} ${nameOf(c).replace('/', '_')}`);
  assert.deepEqual(folders, expected);
  for (const x of rows) {
    const c = clusterOf(x.path);
    const file = join(
      out,
      `${String(c).padStart(3, '0')} ${nameOf(c).replace('/', '_')}`,
      x.path.split('/').join('__'),
    );
    assert.ok(lstatSync(file).isFile(), file);
    assert.deepEqual(readFileSync(file), readFileSync(join(data, x.path)));
  }
  assert.equal(JSON.parse(readFileSync(join(out, '.clusterlab-export.json'), 'utf8')).mode, 'copy');
  // The train flow's dataset finder does not offer it, though it is a folder of image folders.
  assert.deepEqual(
    (await findDatasets(tmp)).map((d) => d.dir),
    [data],
  );

  // Again into the same folder: refused before writing anything, naming the first clash.
  const again = await exportRun(['--format', 'imagefolder', '--out', out]);
  assert.equal(again.code, 2);
  assert.match(
    again.stderr,
    /^clusterlab: refused: .*\.clusterlab-export\.json already exists \(export never overwrites: choose an empty --out\)\n$/,
  );
});

test('imagefolder with links: hard links share the inode, symbolic links point at the dataset', async () => {
  const hard = join(tmp, 'hard');
  assert.equal((await exportRun(['--format', 'imagefolder', '--out', hard, '--mode', 'hardlink'])).code, 0);
  const sym = join(tmp, 'sym');
  assert.equal((await exportRun(['--format', 'imagefolder', '--out', sym, '--mode', 'symlink'])).code, 0);
  const x = rows[1]!;
  const folder = `${String(x.cluster).padStart(3, '0')} ${nameOf(x.cluster).replace('/', '_')}`;
  const name = x.path.split('/').join('__');
  assert.equal(statSync(join(hard, folder, name)).ino, statSync(join(data, x.path)).ino);
  assert.ok(lstatSync(join(sym, folder, name)).isSymbolicLink());
  assert.equal(readlinkSync(join(sym, folder, name)), join(data, x.path));
});

test('csv and json: every image with its cluster, name and confidence', async () => {
  const out = join(tmp, 'tables');
  const c = await exportRun(['--format', 'csv', '--out', out]);
  assert.equal(c.code, 0, c.stderr);
  const lines = readFileSync(join(out, 'clusters.csv'), 'utf8').trim().split('\n');
  assert.equal(lines[0], 'path,cluster,name,confidence,excluded');
  assert.equal(lines.length, 21);
  assert.equal(
    lines.find((l) => l.startsWith(moved + ',')),
    `${moved},5,Cluster 5,${rows[0]!.confidence.toFixed(6)},false`,
  );
  const j = await exportRun(['--format', 'json', '--out', out]);
  assert.equal(j.code, 2, 'the marker from the CSV export is there: never overwritten');
  const out2 = join(tmp, 'json');
  assert.equal((await exportRun(['--format', 'json', '--out', out2])).code, 0);
  const parsed = JSON.parse(readFileSync(join(out2, 'clusters.json'), 'utf8')) as {
    path: string;
    cluster: number;
    name: string;
  }[];
  assert.equal(parsed.length, 20);
  for (const p of parsed)
    assert.deepEqual([p.cluster, p.name], [clusterOf(p.path), nameOf(clusterOf(p.path))]);
  assert.ok(existsSync(join(out2, '.clusterlab-export.json')));
});

test('a selection with an image deleted since: the rest exported, the deleted one reported in one line', async () => {
  const victim = rows[3]!.path;
  const copy = readFileSync(join(data, victim));
  const sel = join(tmp, 'selection.txt');
  writeFileSync(sel, `${rows[2]!.path}\n${join(data, rows[4]!.path)}\n\n${victim}\n`);
  rmSync(join(data, victim));
  try {
    const out = join(tmp, 'sel');
    const r = await exportRun(['--format', 'json', '--out', out, '--selection', sel]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, `skipped 1 image that no longer exists: ${victim}\n`);
    assert.deepEqual(
      JSON.parse(readFileSync(join(out, 'clusters.json'), 'utf8')).map((x: { path: string }) => x.path),
      [rows[2]!.path, rows[4]!.path],
    );
    // A JSON list works too.
    const jsel = join(tmp, 'selection.json');
    writeFileSync(jsel, JSON.stringify([rows[5]!.path]));
    const t = await exportRun([
      '--format',
      'imagefolder',
      '--out',
      join(tmp, 'sel-tree'),
      '--selection',
      jsel,
    ]);
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout, /exported 1 images/);
  } finally {
    writeFileSync(join(data, victim), copy);
  }
});

test('refusals: into the dataset folder, a name the run does not have, bad options; nothing written', async () => {
  mkdirSync(join(tmp, 'empty'), { recursive: true });
  const bogusSel = join(tmp, 'bogus.txt');
  writeFileSync(bogusSel, 'no/such.png\n');
  for (const [args, line] of [
    [
      ['--format', 'imagefolder', '--out', join(data, 'sorted')],
      /^clusterlab: refused: --out .*data\/sorted is inside the dataset folder .*data \(the export would become training data\)\n$/,
    ],
    [['--format', 'csv', '--out', data], /is inside the dataset folder/],
    [
      ['--format', 'csv', '--out', join(tmp, 'empty'), '--selection', bogusSel],
      /^clusterlab: --selection .*bogus\.txt: 'no\/such\.png' is not an image of this run/,
    ],
    [
      ['--format', 'xml', '--out', join(tmp, 'empty')],
      /^clusterlab: --format must be one of imagefolder, csv, json \(got xml\)\n$/,
    ],
    [['--format', 'csv'], /^clusterlab: --out is required/],
    [
      ['--format', 'csv', '--out', join(tmp, 'empty'), '--mode', 'hardlink'],
      /^clusterlab: --mode applies to --format imagefolder only\n$/,
    ],
    [
      ['--format', 'imagefolder', '--out', join(tmp, 'empty'), '--mode', 'move'],
      /^clusterlab: --mode must be one of copy, hardlink, symlink \(got move\)\n$/,
    ],
  ] as const) {
    const r = await exportRun([...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, line);
  }
  assert.deepEqual(readdirSync(join(tmp, 'empty')), []);
  assert.ok(!existsSync(join(data, 'sorted')));
  const notRun = await run(['export', tmp, '--format', 'csv', '--out', join(tmp, 'empty')]);
  assert.equal(notRun.code, 2);
  assert.match(notRun.stderr, /^clusterlab: .* is not a run folder: it has no run\.json\n$/);
});

test("the dataset's exclusion list: left out of the folders, marked in the tables, names deleted since ignored; a damaged list refused in one line", async () => {
  const list = join(data, '.clusterlab-exclude.json');
  const out = rows[6]!.path;
  writeFileSync(
    list,
    JSON.stringify({ format: 'clusterlab-exclusions', version: 1, paths: [out, 'deleted/long-ago.png'] }),
  );
  try {
    const tree = join(tmp, 'excl-tree');
    const r = await exportRun(['--format', 'imagefolder', '--out', tree]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^exported 19 images of run .* \(a folder per cluster, copies; 1 excluded by .*\.clusterlab-exclude\.json left out\)\n$/,
    );
    assert.match(
      r.stderr,
      /^ignored 1 name on .*\.clusterlab-exclude\.json that is no image of this run \(deleted since\?\)\n$/,
    );
    const written = readdirSync(tree)
      .filter((f) => !f.startsWith('.'))
      .flatMap((f) => readdirSync(join(tree, f)));
    assert.equal(written.length, 19);
    assert.ok(!written.includes(out.split('/').join('__')));
    assert.ok(existsSync(join(data, out)), 'the excluded image itself is untouched');
    const tables = join(tmp, 'excl-csv');
    assert.equal((await exportRun(['--format', 'csv', '--out', tables])).code, 0);
    const lines = readFileSync(join(tables, 'clusters.csv'), 'utf8').trim().split('\n');
    assert.deepEqual(
      lines.filter((l) => l.endsWith(',true')).map((l) => l.split(',')[0]),
      [out],
    );
    assert.equal(lines.length, 21);

    writeFileSync(list, '{"format": "clusterlab-exclusions", "paths": ');
    const bad = await exportRun(['--format', 'imagefolder', '--out', join(tmp, 'excl-bad')]);
    assert.equal(bad.code, 2);
    assert.match(
      bad.stderr,
      /^clusterlab: .*\.clusterlab-exclude\.json is not a valid exclusion list \(not JSON: .*\): fix or remove it\n$/,
    );
    assert.ok(!existsSync(join(tmp, 'excl-bad')));
  } finally {
    rmSync(list, { force: true });
  }
});
