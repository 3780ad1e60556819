// run.json as protocol: one schema checked by its one writer (the trainer's RunFolder) and its one
// reader (src/common/runJson.ts), which also gives every caller the derived status.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { readRunJson, readExistingRunJson, RunJsonError } from '../../src/common/runJson.js';
import { LOCK_FILE } from '../../src/common/runLock.js';
import type { RunJson } from '../../src/protocol/run.js';
import { RunFolder } from '../../src/trainer/run/runFolder.js';
import { runJsonOf } from '../extension/runFixtures.js';

const fresh = () => mkdtempSync(join(tmpdir(), 'clusterlab-runjson-'));
const write = (dir: string, run: unknown) => writeFileSync(join(dir, 'run.json'), JSON.stringify(run));
/** A pid no process has any more. */
const gonePid = () =>
  Number(spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout);

test('what the writer writes, the reader reads back; a field a later version adds is kept', async () => {
  const dir = fresh();
  const run: RunJson = {
    ...runJsonOf('cc-1', 'done'),
    experiment: { file: '/w/a.clusterlab.yaml', entry: 'cc-k3' },
  };
  await new RunFolder(dir).writeRun(run);
  assert.deepEqual(await readRunJson(dir), run);
  write(dir, { ...run, notes: 'from a later version' });
  assert.equal(((await readRunJson(dir)) as unknown as { notes: string }).notes, 'from a later version');
});

test('the writer refuses a run.json the readers would refuse, and writes nothing', async () => {
  const dir = fresh();
  const bad = [
    { ...runJsonOf('x', 'done'), status: 'paused' },
    { ...runJsonOf('x', 'done'), dataset: undefined },
    { ...runJsonOf('x', 'done'), config: { ...runJsonOf('x', 'done').config, epochs: 2.5 } },
  ] as unknown as RunJson[];
  for (const run of bad) await assert.rejects(new RunFolder(dir).writeRun(run), RunJsonError);
  assert.deepEqual(readdirSync(dir), []);
});

test('the reader names the file and the field; absent is undefined, or refused where a run must be', async () => {
  const dir = fresh();
  const file = join(dir, 'run.json');
  assert.equal(await readRunJson(dir), undefined);
  await assert.rejects(readExistingRunJson(dir), {
    message: `${dir} is not a run folder: it has no run.json`,
    code: 'ENOENT',
  });
  write(dir, { ...runJsonOf('x', 'done'), config: undefined });
  await assert.rejects(readRunJson(dir), {
    message: `${file} is damaged: it has no config`,
    problem: 'it has no config',
  });
  write(dir, { ...runJsonOf('x', 'done'), method: 'spectral' });
  await assert.rejects(readRunJson(dir), { message: new RegExp(`^${file}: method: expected one of cc, `) });
  writeFileSync(file, '{"format":"clusterlab-run","status":"do');
  await assert.rejects(readRunJson(dir), { message: new RegExp(`^cannot read ${file}: .*JSON`) });
});

test('the reader reads as untrusted input (runFileRead.ts): a symlink out of the folder is refused', async () => {
  const dir = fresh();
  const secret = join(fresh(), 'elsewhere.json');
  writeFileSync(secret, JSON.stringify(runJsonOf('x', 'done')));
  symlinkSync(secret, join(dir, 'run.json'));
  await assert.rejects(readRunJson(dir), /run\.json is a symlink to .*elsewhere\.json, outside .*: refused$/);
});

test('"running" reads as interrupted unless a live trainer holds the lock; other statuses read as written', async () => {
  const statusWith = async (status: RunJson['status'], lock?: { pid: number; host: string }) => {
    const dir = fresh();
    write(dir, runJsonOf('x', status));
    if (lock)
      writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ ...lock, since: new Date().toISOString() }));
    const read = (await readRunJson(dir))!.status;
    assert.equal(
      JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')).status,
      status,
      'reading writes nothing',
    );
    return read;
  };
  assert.equal(await statusWith('running', { pid: process.pid, host: hostname() }), 'running');
  assert.equal(
    await statusWith('running', { pid: 1, host: 'gpu-box-7' }),
    'running',
    'held on a machine that cannot be asked',
  );
  assert.equal(await statusWith('running', { pid: gonePid(), host: hostname() }), 'interrupted');
  assert.equal(await statusWith('running'), 'interrupted', 'no lock at all');
  assert.equal(await statusWith('interrupted'), 'interrupted', 'as older hosts wrote it');
  assert.equal(await statusWith('done', { pid: gonePid(), host: hostname() }), 'done');
});

/** Every .ts file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('one reader, one writer: no other source file reads or writes run.json by itself', () => {
  const root = join(import.meta.dirname, '..', '..');
  const touching = (call: RegExp) =>
    sources(join(root, 'src'))
      .filter((f) => call.test(readFileSync(f, 'utf8')))
      .map((f) => relative(root, f));
  const runJsonArg = String.raw`\([^)]*(RUN_JSON|'run\.json')`;
  assert.deepEqual(
    touching(new RegExp(String.raw`(readRunText|readRunFile|readFile|readFileSync)` + runJsonArg)),
    ['src/common/runJson.ts'],
  );
  assert.deepEqual(
    touching(new RegExp(String.raw`(writeJsonAtomic|writeFileAtomic|writeFile|writeFileSync)` + runJsonArg)),
    [],
  );
  // The writer names the file once, in a variable, and checks what it writes.
  assert.match(
    readFileSync(join(root, 'src/trainer/run/runFolder.ts'), 'utf8'),
    /writeJsonAtomic\(file, checkRunJson\(run, file\)\)/,
  );
});
