import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import {
  appendLine,
  removeStaleTemps,
  writeFileAtomic,
  writeJsonAtomic,
} from '../../src/common/atomicFile.js';

const fresh = () => mkdtempSync(join(tmpdir(), 'atomic-'));

test('writes strings and bytes, replaces the previous version, leaves no temp files', async () => {
  const dir = fresh();
  const p = join(dir, 'a.txt');
  await writeFileAtomic(p, 'first');
  assert.equal(readFileSync(p, 'utf8'), 'first');
  await writeFileAtomic(p, new Uint8Array([104, 105, 0, 255]));
  assert.deepEqual([...readFileSync(p)], [104, 105, 0, 255]);
  await writeFileAtomic(p, 'é ünïcode');
  assert.equal(readFileSync(p, 'utf8'), 'é ünïcode');
  assert.deepEqual(readdirSync(dir), ['a.txt']);
});

test('writeJsonAtomic: pretty JSON with a trailing newline; refuses what JSON cannot hold', async () => {
  const dir = fresh();
  const p = join(dir, 'run.json');
  await writeJsonAtomic(p, { a: 1, b: [true, null] });
  assert.equal(readFileSync(p, 'utf8'), '{\n  "a": 1,\n  "b": [\n    true,\n    null\n  ]\n}\n');
  await assert.rejects(writeJsonAtomic(p, undefined), TypeError);
  assert.deepEqual(JSON.parse(readFileSync(p, 'utf8')), { a: 1, b: [true, null] });
});

test('concurrent writes to one path: one complete version wins, no temp files', async () => {
  const dir = fresh();
  const p = join(dir, 'x.json');
  const versions = Array.from({ length: 20 }, (_, i) => `${i}`.repeat(10_000));
  await Promise.all(versions.map((v) => writeFileAtomic(p, v)));
  assert.ok(versions.includes(readFileSync(p, 'utf8')));
  assert.deepEqual(readdirSync(dir), ['x.json']);
});

test('a failing rename removes the temp file and keeps what was there', async () => {
  const dir = fresh();
  // The target is a non-empty directory: the temp is written, then the rename fails (also as root).
  const target = join(dir, 'taken');
  mkdirSync(target);
  writeFileSync(join(target, 'keep'), 'kept');
  await assert.rejects(writeFileAtomic(target, 'new'), (e: NodeJS.ErrnoException) =>
    ['EISDIR', 'ENOTEMPTY', 'EEXIST', 'EPERM'].includes(e.code!),
  );
  assert.deepEqual(readdirSync(dir), ['taken']);
  assert.equal(readFileSync(join(target, 'keep'), 'utf8'), 'kept');
});

test('a parent that is a file: the write rejects and creates nothing', async () => {
  const dir = fresh();
  const file = join(dir, 'plain');
  writeFileSync(file, 'plain');
  await assert.rejects(
    writeFileAtomic(join(file, 'child.json'), '{}'),
    (e: NodeJS.ErrnoException) => e.code === 'ENOTDIR',
  );
  assert.deepEqual(readdirSync(dir), ['plain']);
  assert.equal(readFileSync(file, 'utf8'), 'plain');
});

test(
  'a write failing midway (file size limit) keeps the previous version intact',
  { skip: process.platform === 'win32' },
  () => {
    const dir = fresh();
    const p = join(dir, 'model.bin');
    writeFileSync(p, 'previous version');
    // `ulimit -f` makes the kernel fail writes past 8 KiB with EFBIG (Node ignores SIGXFSZ): a real
    // out-of-space style failure after part of the data is on disk, which root cannot bypass.
    const mod = pathToFileURL(resolve('src/common/atomicFile.ts')).href;
    const script = `import(${JSON.stringify(mod)}).then((m) => m.writeFileAtomic(process.argv[1], new Uint8Array(1 << 20)))
    .then(() => console.log('written'), (e) => console.log(e.code));`;
    const r = spawnSync(
      'bash',
      ['-c', `ulimit -f 8 && exec "${process.execPath}" --import tsx -e "$0" "$1"`, script, p],
      { encoding: 'utf8' },
    );
    assert.equal(r.stdout.trim(), 'EFBIG', r.stderr);
    assert.equal(readFileSync(p, 'utf8'), 'previous version');
    assert.deepEqual(readdirSync(dir), ['model.bin']);
  },
);

test('removeStaleTemps: temp files of dead writers go, those of live ones and other files stay', async () => {
  const dir = fresh();
  const deadPid = spawnSync(process.execPath, ['-e', '']).pid!;
  const names = [
    `.run.json.${deadPid}.0123456789ab.tmp`,
    `.run.json.${process.pid}.0123456789ab.tmp`,
    'run.json',
    '.notes.tmp',
  ];
  for (const n of names) writeFileSync(join(dir, n), 'x');
  assert.deepEqual(await removeStaleTemps(dir), [names[0]]);
  assert.deepEqual(readdirSync(dir).sort(), names.slice(1).sort());
  assert.deepEqual(await removeStaleTemps(join(dir, 'missing')), []);
});

test('appendLine: one line per call, fsynced; a torn last line does not swallow the next record', async () => {
  const dir = fresh();
  const p = join(dir, 'metrics.jsonl');
  await appendLine(p, '{"epoch":1}');
  await appendLine(p, '{"epoch":2}');
  assert.equal(readFileSync(p, 'utf8'), '{"epoch":1}\n{"epoch":2}\n');
  // A crash mid-append leaves a partial line without its newline.
  writeFileSync(p, '{"epo', { flag: 'a' });
  await appendLine(p, '{"epoch":3}');
  assert.equal(readFileSync(p, 'utf8'), '{"epoch":1}\n{"epoch":2}\n{"epo\n{"epoch":3}\n');
  await assert.rejects(appendLine(p, 'two\nlines'), RangeError);
  assert.deepEqual(readdirSync(dir), ['metrics.jsonl']);
});
