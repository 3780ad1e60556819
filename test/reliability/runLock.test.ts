// One trainer per run: a second one (another VS Code window's, or a command line beside it) is
// refused while the first is alive and takes over once it was killed; a lock from another
// machine (a shared network folder) is refused with that machine's name.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeHarness, startCli } from '../trainer/harness.js';
import { CC_RUN, inspectRunFolder, resumeArgs, trainArgs, waitForCheckpoint } from './killedRuns.js';

const { tmp, data, cache, run } = makeHarness(10);
const LONG = { ...CC_RUN, epochs: 4 };
const status = (out: string) =>
  (JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { status: string }).status;

test('a second trainer resuming a run in training is refused, naming the first; the first finishes intact', async () => {
  const out = join(tmp, 'busy');
  const first = startCli(trainArgs(LONG, data, cache, out));
  await waitForCheckpoint(out, 1, first.done);
  const second = await run(resumeArgs(cache, out));
  assert.equal(second.code, 2, second.stderr);
  assert.match(
    second.stderr,
    new RegExp(`is being trained by process ${first.child.pid} on this machine since \\d{4}-`),
  );
  const done = await first.done;
  assert.equal(done.code, 0, done.stderr);
  assert.equal(status(out), 'done');
  assert.deepEqual((await inspectRunFolder(out)).problems, []);
  assert.ok(!existsSync(join(out, 'trainer.lock')), 'the lock goes with the run');
  // Two new runs into one --out at once: one trains, the other is refused before writing.
  const same = join(tmp, 'same-out');
  const both = await Promise.all([
    run(trainArgs(CC_RUN, data, cache, same)),
    run(trainArgs(CC_RUN, data, cache, same)),
  ]);
  assert.deepEqual(both.map((r) => r.code).sort(), [0, 2], both.map((r) => r.stderr).join('\n'));
  assert.match(both.find((r) => r.code === 2)!.stderr, /is being trained by process|already holds a run/);
  assert.equal(status(same), 'done');
});

test('the lock of a SIGKILLed trainer is taken over by --resume', async () => {
  const out = join(tmp, 'killed');
  const first = startCli(trainArgs(LONG, data, cache, out));
  await waitForCheckpoint(out, 1, first.done);
  first.child.kill('SIGKILL');
  await first.done;
  assert.equal(
    JSON.parse(readFileSync(join(out, 'trainer.lock'), 'utf8')).pid,
    first.child.pid,
    'the killed trainer left its lock',
  );
  const resumed = await run(resumeArgs(cache, out));
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(status(out), 'done');
  assert.ok(!existsSync(join(out, 'trainer.lock')));
});

test("a lock held on another machine is refused with that machine's name, and the run is left as it was", async () => {
  const out = join(tmp, 'elsewhere');
  assert.equal((await run(trainArgs(CC_RUN, data, cache, out))).code, 0);
  const runJson = readFileSync(join(out, 'run.json'), 'utf8');
  writeFileSync(
    join(out, 'trainer.lock'),
    JSON.stringify({ pid: 1, host: 'gpu-box-7', since: '2026-12-01T08:00:00.000Z' }),
  );
  const r = await run([...resumeArgs(cache, out), '--epochs', '3']);
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    /is being trained by process 1 on gpu-box-7 since 2026-12-01T08:00:00\.000Z; if that process is gone, delete .*trainer\.lock/,
  );
  assert.equal(readFileSync(join(out, 'run.json'), 'utf8'), runJson);
});
