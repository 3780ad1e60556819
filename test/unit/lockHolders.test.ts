// Who holds a run: a trainer that exited but was not reaped yet (a zombie, as a reloaded window's
// trainer is until init gets to it) holds nothing; a live one on this machine is waited for by a
// sweep, whose run is then resumed instead of skipped (issue 30, bug 1; issue 26, finding 10).
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isAlive } from '../../src/common/atomicFile.js';
import { parseExperiment } from '../../src/common/experiment/parse.js';
import {
  newQueue,
  queuedStatus,
  queuePath,
  runSweep,
  type SweepDriver,
} from '../../src/common/experiment/queue.js';
import { LOCK_FILE } from '../../src/common/runLock.js';
import { lockRun } from '../../src/trainer/run/runLock.js';
import type { RunStatus } from '../../src/protocol/run.js';
import { runJsonOf } from '../extension/runFixtures.js';

const started: ChildProcess[] = [];
after(() => started.forEach((c) => c.kill('SIGKILL')));

const stateOf = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat[stat.lastIndexOf(')') + 2];
};

/**
 * A zombie: `sh` starts a short `sleep` in the background and becomes a long one (exec), which never waits
 * for children, so the short one exits and stays unreaped while the long one lives. Resolves its pid.
 */
async function zombie(): Promise<number> {
  const parent = spawn('sh', ['-c', 'sleep 0.2 & echo $!; exec sleep 60'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  started.push(parent);
  const pid = Number(
    await new Promise<string>((r) => parent.stdout!.once('data', (d: Buffer) => r(d.toString()))),
  );
  for (let i = 0; i < 200 && stateOf(pid) !== 'Z'; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(stateOf(pid), 'Z', `process ${pid} should be a zombie`);
  return pid;
}

function runHeldBy(pid: number, status: RunStatus = 'running'): string {
  const dir = mkdtempSync(join(tmpdir(), 'clusterlab-holder-'));
  writeFileSync(join(dir, 'run.json'), JSON.stringify(runJsonOf('held', status)));
  writeFileSync(
    join(dir, LOCK_FILE),
    JSON.stringify({ pid, host: hostname(), since: new Date().toISOString() }),
  );
  return dir;
}

test(
  'a lock whose holder is a zombie is free: the run is interrupted and a trainer takes the lock over',
  { skip: process.platform !== 'linux' && 'zombies are read from /proc (Linux only)' },
  async () => {
    const pid = await zombie();
    assert.doesNotThrow(
      () => process.kill(pid, 0),
      'kill(pid, 0) still answers for a zombie: the case this is about',
    );
    assert.equal(isAlive(pid), false);
    const dir = runHeldBy(pid);
    assert.equal((await queuedStatus(dir)).status, 'interrupted');
    const release = await lockRun(dir);
    assert.equal(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid, process.pid);
    await release();
    assert.equal(isAlive(process.pid), true);
  },
);

/**
 * A sweep of `seeds` cc runs (cc-s1, ...) whose first run (or run `index`) already has a folder:
 * run.json with `status`, and the lock of `holder` when given.
 */
function sweepWithRun(seeds: number, status: RunStatus, holder?: { pid: number; host: string }, index = 0) {
  const seedList = Array.from({ length: seeds }, (_, i) => i + 1).join(', ');
  const exp = parseExperiment(
    `data: d\ngrid:\n  methods: [cc]\n  seeds: [${seedList}]\n`,
    '/x/held.clusterlab.yaml',
  );
  const runsDir = mkdtempSync(join(tmpdir(), 'clusterlab-sweep-'));
  const q = newQueue(exp.file, exp.name, runsDir, exp.runs);
  const dir = q.runs[index]!.dir;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'run.json'), JSON.stringify(runJsonOf(q.runs[index]!.entry, status)));
  if (holder)
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ ...holder, since: new Date().toISOString() }));
  return {
    dir,
    sweep: (driver: SweepDriver) => runSweep(queuePath(runsDir, exp.name), q, exp.runs, driver),
  };
}

/** What a driver's train or resume leaves: a finished run.json. */
function finish(d: string): RunStatus {
  writeFileSync(join(d, 'run.json'), JSON.stringify(runJsonOf('cc', 'done')));
  return 'done';
}

/**
 * A 2-run sweep whose run `held` (0: cc-s1, 1: cc-s2) is held by a live trainer here (the old
 * window's, a moment after a reload) when the sweep looks; that trainer is killed, leaving its
 * lock, while the sweep trains the other run. Resolves with the driver's calls and the result.
 */
async function sweepPastLiveHolder(held: 0 | 1) {
  const old = spawn('sleep', ['60']);
  started.push(old);
  const { sweep } = sweepWithRun(2, 'running', { pid: old.pid!, host: hostname() }, held);
  const calls: string[] = [];
  const driver: SweepDriver = {
    train: async (run, d) => {
      calls.push(`train ${run.name}`);
      mkdirSync(d, { recursive: true });
      const gone = new Promise((r) => old.once('exit', r));
      old.kill('SIGKILL');
      await gone;
      return finish(d);
    },
    resume: async (d) => (calls.push(`resume ${d.slice(d.lastIndexOf('-') + 1)}`), finish(d)),
    cancelled: () => false,
  };
  return { calls, r: await sweep(driver) };
}

test('a sweep waits for a live trainer here holding one of its runs, trains the others meanwhile, then resumes it once that trainer is gone', async () => {
  const { calls, r } = await sweepPastLiveHolder(0);
  assert.deepEqual(calls, ['train cc-s2', 'resume s1']);
  assert.equal(r.state, 'finished');
  assert.deepEqual(r.statuses, { 'cc-s1': 'done', 'cc-s2': 'done' });
});

test("a trainer here that takes a run between the sweep's look and its start is waited for, and the run resumed after it, not counted failed", async () => {
  // cc-s1 was left running by a trainer that died: interrupted, so the sweep resumes it at once...
  const { dir, sweep } = sweepWithRun(2, 'running', { pid: spawnSync('true').pid, host: hostname() });
  assert.equal((await queuedStatus(dir)).status, 'interrupted');
  const calls: string[] = [];
  let late: ChildProcess | undefined;
  const driver: SweepDriver = {
    train: async (run, d) => (calls.push(`train ${run.name}`), mkdirSync(d, { recursive: true }), finish(d)),
    resume: async (d) => {
      calls.push(`resume ${d.slice(d.lastIndexOf('-') + 1)}`);
      if (late) return finish(d);
      // ...but the old window's trainer, still starting, took its lock first: this start is refused.
      late = spawn('sleep', ['60']);
      started.push(late);
      writeFileSync(
        join(d, LOCK_FILE),
        JSON.stringify({ pid: late.pid, host: hostname(), since: new Date().toISOString() }),
      );
      setTimeout(() => late!.kill('SIGKILL'), 300);
      throw new Error(`${d} is being trained by process ${late.pid} on this machine`);
    },
    cancelled: () => false,
  };
  const r = await sweep(driver);
  assert.deepEqual(calls, ['resume s1', 'train cc-s2', 'resume s1']);
  assert.equal(r.state, 'finished');
  assert.deepEqual(r.statuses, { 'cc-s1': 'done', 'cc-s2': 'done' });
});

test("a start its trainer refused for another's lock is waited for and judged again, even when that holder let go before the refusal's answer came", async () => {
  // cc-s1 as a reloaded window's trainer leaves it: cancelled, its lock already released.
  const { sweep } = sweepWithRun(2, 'cancelled');
  const calls: string[] = [];
  let refused = false;
  const driver: SweepDriver = {
    train: async (run, d) => (calls.push(`train ${run.name}`), mkdirSync(d, { recursive: true }), finish(d)),
    resume: async (d) => {
      calls.push(`resume ${d.slice(d.lastIndexOf('-') + 1)}`);
      if (refused) return finish(d);
      // The trainer found the old one's lock; by the time its answer is here, there is no lock left.
      refused = true;
      return 'held';
    },
    cancelled: () => false,
  };
  const r = await sweep(driver);
  assert.deepEqual(calls, ['resume s1', 'train cc-s2', 'resume s1']);
  assert.equal(r.state, 'finished');
  assert.deepEqual(r.statuses, { 'cc-s1': 'done', 'cc-s2': 'done' });
});

test('a start refused for the lock of a trainer on another machine is skipped as training there, asked once', async () => {
  const { sweep } = sweepWithRun(1, 'cancelled', { pid: 1, host: `not-${hostname()}` });
  let asked = 0;
  const driver: SweepDriver = {
    train: () => Promise.reject(new Error('queued runs are not expected here')),
    resume: async () => (asked++, 'held'),
    cancelled: () => false,
  };
  const r = await sweep(driver);
  assert.equal(asked, 1);
  assert.equal(r.state, 'finished');
  assert.deepEqual(Object.values(r.statuses), ['running']);
});

test('a run whose trainer here was alive when the sweep looked and died before its turn is resumed, not skipped as held elsewhere', async () => {
  const { calls, r } = await sweepPastLiveHolder(1);
  assert.deepEqual(calls, ['train cc-s1', 'resume s2']);
  assert.equal(r.state, 'finished');
  assert.deepEqual(r.statuses, { 'cc-s1': 'done', 'cc-s2': 'done' });
});
