import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeHarness, startCli, type CliResult } from '../trainer/harness.js';

/** Issue 26: hostile experiment files through the real `clusterlab run`; each case fails on adfa14c. */
const { tmp, data, cache } = makeHarness(3);
const runs = join(tmp, 'runs');
/** Small enough that expanding 10^7 runs (adfa14c: 4.4 GB) dies at once instead of taking the machine. */
const SMALL_HEAP = ['--max-old-space-size=256'];

/** The CLI on FILE, killed after `ms` (a hang is a failure, not a stuck test). */
async function check(file: string, args: string[] = ['--check'], ms = 30_000): Promise<CliResult> {
  const cli = startCli(['run', file, '--runs', runs, '--cache', cache, ...args], { nodeArgs: SMALL_HEAP });
  const timer = setTimeout(() => cli.child.kill('SIGKILL'), ms);
  const r = await cli.done;
  clearTimeout(timer);
  assert.equal(
    r.signal,
    null,
    `${file}: ended by ${r.signal} (hung, or ran out of memory): ${r.stderr.slice(0, 500)}`,
  );
  return r;
}

/** One line on stderr, exit 2, no stack trace, nothing in the runs folder. */
function refused(r: CliResult, line: RegExp): void {
  assert.equal(r.code, 2, r.stderr.slice(0, 500));
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr.slice(0, 1000));
  assert.match(lines[0]!, line);
  assert.ok(!existsSync(runs) || readdirSync(runs).length === 0, 'nothing written');
}

function write(name: string, text: string): string {
  const file = join(tmp, name);
  writeFileSync(file, text);
  return file;
}

test('a run named like a path is refused by run --check, and nothing is trained anywhere (finding 1)', async () => {
  const file = write(
    'escape.clusterlab.yaml',
    `data: ${data}\nimageSize: 8\nepochs: 1\nruns:\n  - method: cc\n    name: a/../../../../../../../${tmp}/ESCAPED\n`,
  );
  refused(
    await check(file),
    /^\S*escape\.clusterlab\.yaml:6:11: a run name may hold only letters, digits, '\.', '_' and '-' \(it names run folders; got 'a\/\.\.\/.*\/ESCAPED'\)$/,
  );
  refused(await check(file, []), /^\S*escape\.clusterlab\.yaml:6:11: a run name may hold only/);
  assert.ok(!existsSync(join(tmp, 'ESCAPED')));
});

test('a 1.2 KB grid of 10^7 runs is refused in one line without expanding it (finding 2)', async () => {
  const list = (n: number, f: (i: number) => number) =>
    `[${Array.from({ length: n }, (_, i) => f(i)).join(', ')}]`;
  const tenths = list(10, (i) => (i + 1) / 10);
  const text = `data: ${data}\ngrid:\n  methods: [cc]\n  clusters: ${list(10, (i) => i + 2)}\n  seeds: ${list(100, (i) => i)}\n  settings:\n${['cropMin', 'blur', 'instanceTemperature', 'clusterTemperature'].map((k) => `    ${k}: ${tenths}`).join('\n')}\n`;
  const r = await check(write('bomb.clusterlab.yaml', text));
  refused(
    r,
    /^\S*bomb\.clusterlab\.yaml:3:3: this experiment expands to 10000000 runs, more than maxRuns \(100\): narrow the grid, or raise maxRuns$/,
  );
});

test('a 50 MB experiment file is refused from its size, before it is read (finding 4)', async () => {
  const file = join(tmp, 'huge.clusterlab.yaml');
  writeFileSync(file, `data: ${data}\nruns:\n${'  - method: cc\n'.repeat(3_500_000)}`);
  refused(
    await check(file),
    new RegExp(
      `^clusterlab: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is 525\\d{5} bytes long, more than the 65536 an experiment file may be$`,
    ),
  );
});

test('an experiment file that is a FIFO, or a folder, is refused, not waited on (finding 11)', async () => {
  const fifo = join(tmp, 'pipe.clusterlab.yaml');
  execFileSync('mkfifo', [fifo]);
  refused(
    await check(fifo, ['--check'], 15_000),
    /^clusterlab: cannot read .*pipe\.clusterlab\.yaml: it is a FIFO, not a regular file$/,
  );
  refused(await check(tmp), /^clusterlab: cannot read .*: it is a folder, not a regular file$/);
});
