import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeHarness } from '../trainer/harness.js';
import { inParallel } from './inParallel.js';
import { resumeArgs, trainArgs } from './killedRuns.js';

const { tmp, data, cache, run } = makeHarness(10);

/** A pickle that would run a shell command if anything unpickled it (we parse, never execute). */
const PICKLE = Buffer.concat([
  Buffer.from([0x80, 0x04]),
  Buffer.from(`cos\nsystem\n(S'touch ${join(tmp, 'pwned')}'\ntR.`, 'latin1'),
]);

type Change = (dir: string) => void;
const editJson =
  (file: string, edit: (m: any) => void): Change =>
  (dir) => {
    const path = join(dir, file);
    const m = JSON.parse(readFileSync(path, 'utf8'));
    edit(m);
    writeFileSync(path, JSON.stringify(m));
  };
const manifest = (edit: (m: any) => void) => editJson(join('checkpoint', 'manifest.json'), edit);

/** What is done to a finished run, and the reason its resume must give for refusing it. */
const cases: [string, Change, (dir: string) => RegExp][] = [
  [
    'weights path leading out of the run',
    manifest((m) => (m.file = '../../../../etc/passwd')),
    (d) => refused(d, 'weights file name is not weights-<epoch>\\.bin'),
  ],
  [
    'a pickle as the manifest',
    (d) => writeFileSync(join(d, 'checkpoint', 'manifest.json'), PICKLE),
    (d) => refused(d, 'manifest is not JSON'),
  ],
  [
    'a pickle as the weights',
    (d) => writeFileSync(join(d, 'checkpoint', 'weights-1.bin'), PICKLE),
    (d) => refused(d, `weights-1\\.bin has ${PICKLE.length} bytes, the manifest says \\d+`),
  ],
  [
    "another program's format",
    manifest((m) => (m.format = 'pytorch')),
    (d) => refused(d, 'unknown format or version'),
  ],
  [
    'an absurd tensor shape',
    manifest((m) => (m.tensors[0].shape = [1e9, 1e9])),
    (d) => refused(d, 'tensor \\S+ lies outside the weights file'),
  ],
  [
    'an absurd byte count',
    manifest((m) => (m.bytes = 1e15)),
    (d) => refused(d, 'weights-1\\.bin has \\d+ bytes, the manifest says 1000000000000000'),
  ],
  [
    "a tensor that is not the model's",
    manifest((m) => (m.tensors[0].name = 'evil.kernel')),
    (d) => refused(d, 'this model has no variable evil\\.kernel'),
  ],
  [
    'an absurd setting in run.json',
    editJson('run.json', (r) => (r.config.imageSize = 100000)),
    () => /^clusterlab: --image-size must be a whole number from 8 to 1024 \(got 100000\)$/,
  ],
  [
    'run.json without its settings',
    editJson('run.json', (r) => delete r.config),
    (d) => new RegExp(`^clusterlab: ${esc(join(d, 'run.json'))} is damaged: it has no config$`),
  ],
  [
    'run.json that is not JSON',
    (d) => writeFileSync(join(d, 'run.json'), PICKLE),
    (d) => new RegExp(`^clusterlab: cannot read ${esc(join(d, 'run.json'))}: `),
  ],
];

function refused(dir: string, reason: string): RegExp {
  return new RegExp(
    `^clusterlab: ${esc(join(dir, 'checkpoint', 'manifest.json'))} is not a usable ClusterLab checkpoint: ${reason}$`,
  );
}

function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

test('resuming a run whose checkpoint or run.json was tampered with is refused with the reason, and nothing is executed', async () => {
  const original = join(tmp, 'original');
  assert.equal((await run(trainArgs({ method: 'cc', epochs: 1 }, data, cache, original))).code, 0);
  const resumedIntact = await run(resumeArgs(cache, original));
  assert.equal(resumedIntact.code, 0, `the untouched run resumes: ${resumedIntact.stderr}`);

  await inParallel(cases.length, async (i) => {
    const [what, change, reason] = cases[i]!;
    const dir = join(tmp, `tampered-${i}`);
    cpSync(original, dir, { recursive: true });
    change(dir);
    const r = await run(resumeArgs(cache, dir));
    assert.notEqual(r.code, 0, what);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('clusterlab: '));
    assert.equal(errors.length, 1, `${what}: ${r.stderr}`);
    assert.match(errors[0]!, reason(dir), what);
    assert.doesNotMatch(r.stderr, /^\s+at /m, `${what}: no stack trace`);
  });
  assert.ok(!existsSync(join(tmp, 'pwned')));
});
