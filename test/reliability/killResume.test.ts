import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, watch } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { Rng } from '../../src/trainer/util/rng.js';
import { makeHarness, startCli } from '../trainer/harness.js';
import {
  CC_RUN,
  inspectRunFolder,
  resumeArgs,
  SCAN_RUN,
  trainArgs,
  waitForCheckpoint,
  type SmallRun,
} from './killedRuns.js';

const { tmp, data, cache, run } = makeHarness(10);
const reference = new Map<SmallRun, string>();
const assignments = (out: string) => readFileSync(join(out, 'assignments.csv'), 'utf8');
/** The per-image features and probabilities, as bytes: a resume must write the same files. */
const featureFiles = (out: string) =>
  ['features.json', 'features.f16', 'probs.f32'].map((f) => readFileSync(join(out, f)).toString('base64'));
const referenceFeatures = new Map<SmallRun, string[]>();

before(async () => {
  // Uninterrupted runs of the same seed, epochs and backend: what every killed run must end as.
  for (const r of [CC_RUN, SCAN_RUN]) {
    const out = join(tmp, `reference-${r.method}`);
    const res = await run(trainArgs(r, data, cache, out));
    assert.equal(res.code, 0, res.stderr);
    reference.set(r, assignments(out));
    referenceFeatures.set(r, featureFiles(out));
  }
});

async function resumeToEnd(r: SmallRun, out: string, fromEpoch: number): Promise<void> {
  const res = await run(resumeArgs(cache, out));
  assert.equal(res.code, 0, res.stderr);
  if (fromEpoch > 0)
    assert.match(res.stderr, new RegExp(`resuming from the checkpoint of epoch ${fromEpoch}\\b`));
  assert.equal(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).status, 'done');
  assert.equal(
    assignments(out),
    reference.get(r),
    'same assignments, to the last digit, as the uninterrupted run',
  );
  assert.deepEqual(
    featureFiles(out),
    referenceFeatures.get(r),
    'same features and probabilities, byte for byte',
  );
  // Temp files of the killed writes are swept on resume: a soak of kills does not fill the disk.
  const temps = [...readdirSync(out), ...readdirSync(join(out, 'checkpoint'))].filter((f) =>
    f.endsWith('.tmp'),
  );
  assert.deepEqual(temps, []);
}

/** Starts a run, SIGKILLs it once its checkpoint of `epoch` is in place (so mid-way through the next epoch), resumes it. */
async function killAfterCheckpoint(r: SmallRun, out: string, epoch: number, resume: boolean): Promise<void> {
  const p = startCli(resume ? resumeArgs(cache, out) : trainArgs(r, data, cache, out));
  await waitForCheckpoint(out, epoch, p.done);
  p.child.kill('SIGKILL');
  const res = await p.done;
  assert.equal(res.signal, 'SIGKILL', `killed, not finished by itself: ${res.stderr}`);
  const left = await inspectRunFolder(out);
  assert.deepEqual(left.problems, []);
  assert.ok(left.checkpoint >= epoch);
}

test('CC killed mid-epoch with SIGKILL, then resumed, ends byte-identical to an uninterrupted run', async () => {
  const out = join(tmp, 'cc-killed');
  await killAfterCheckpoint(CC_RUN, out, 1, false);
  assert.equal(
    JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).status,
    'running',
    'a SIGKILL leaves no chance to say so',
  );
  await resumeToEnd(CC_RUN, out, 1);
});

test('SCAN killed in two stages and resumed across the stage boundaries ends byte-identical', async () => {
  const out = join(tmp, 'scan-killed');
  // Killed after the pretext (the resumed process mines neighbours and enters SCAN), then again in SCAN.
  await killAfterCheckpoint(SCAN_RUN, out, 1, false);
  await killAfterCheckpoint(SCAN_RUN, out, 2, true);
  await resumeToEnd(SCAN_RUN, out, 2);
});

test('killed while writing a checkpoint: the previous one stays loadable and the run resumes to the same result', async () => {
  const out = join(tmp, 'cc-killed-in-write');
  mkdirSync(join(out, 'checkpoint'), { recursive: true });
  const p = startCli(trainArgs(CC_RUN, data, cache, out));
  let tempSeen = '';
  // The kill lands the moment the temp file of epoch 2's weights appears: mid-write or mid-fsync.
  const watcher = watch(join(out, 'checkpoint'), (_, name) => {
    if (!tempSeen && name && /^\.weights-2\.bin\..*\.tmp$/.test(name)) {
      tempSeen = name;
      p.child.kill('SIGKILL');
    }
  });
  const res = await p.done;
  watcher.close();
  assert.equal(res.signal, 'SIGKILL', res.stderr);
  assert.ok(tempSeen, 'the kill came during the write');
  const left = await inspectRunFolder(out);
  assert.deepEqual(left.problems, []);
  // The manifest is the commit point: unless the rename had already happened, epoch 1 is what is there.
  assert.ok(left.checkpoint === 1 || left.checkpoint === 2);
  await resumeToEnd(CC_RUN, out, left.checkpoint);
});

test('killed at random moments: every folder left behind is readable and resumes to the same result', async () => {
  const rng = new Rng(7);
  for (let i = 0; i < 3; i++) {
    const out = join(tmp, `cc-random-${i}`);
    const p = startCli(trainArgs(CC_RUN, data, cache, out));
    // Anywhere from the ingest to the last epoch's files (an uninterrupted run takes about 3 s here).
    const delay = 300 + Math.floor(rng.next() * 3000);
    const timer = setTimeout(() => p.child.kill('SIGKILL'), delay);
    const res = await p.done;
    clearTimeout(timer);
    const left = await inspectRunFolder(out);
    assert.deepEqual(left.problems, [], `killed after ${delay} ms`);
    if (res.signal !== 'SIGKILL') {
      assert.equal(res.code, 0, res.stderr); // the run was faster than the kill
    } else if (left.started) {
      await resumeToEnd(CC_RUN, out, left.checkpoint);
      continue;
    } else {
      assert.equal(
        (await run(trainArgs(CC_RUN, data, cache, out))).code,
        0,
        'killed before run.json: starts again',
      );
    }
    assert.equal(assignments(out), reference.get(CC_RUN));
  }
});
