import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TrainConfig } from '../../src/protocol/run.js';
import { Notifications, Requests, type RunEndedNotice, type RunStarted } from '../../src/protocol/server.js';
import { makeHarness } from '../trainer/harness.js';
import { forkServer, initialize, shutdown } from '../trainer/serverClient.js';
import { CC_RUN, inspectRunFolder, trainArgs, waitForCheckpoint } from './killedRuns.js';

test('the trainer server SIGKILLed mid-epoch: a new server resumes the run to the assignments of an uninterrupted one', async () => {
  const { tmp, data, cache, run } = makeHarness(10);
  // The uninterrupted reference comes from the command line: one train() behind both doors.
  const reference = join(tmp, 'reference');
  assert.equal((await run(trainArgs(CC_RUN, data, cache, reference))).code, 0);

  const first = forkServer();
  await initialize(first.conn);
  const defaults = await first.conn.sendRequest<TrainConfig>(Requests.defaults.method, {
    method: 'cc',
    data,
  });
  const config: TrainConfig = {
    ...defaults,
    clusters: 10,
    epochs: CC_RUN.epochs,
    imageSize: 16,
    batchSize: 32,
    backend: 'wasm',
  };
  const exited = new Promise((r) => first.child.once('exit', r));
  const { runId, runDir } = await first.conn.sendRequest<RunStarted>(Requests.train.method, {
    config,
    runsDir: join(tmp, 'runs'),
    cacheDir: cache,
  });
  await waitForCheckpoint(runDir, 1, exited);
  first.child.kill('SIGKILL');
  await exited;
  first.conn.dispose();
  const left = await inspectRunFolder(runDir);
  assert.deepEqual(left.problems, []);
  assert.equal(left.checkpoint, 1);
  assert.equal(JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')).status, 'running');

  // The extension starts a new trainer and asks it to resume the run.
  const second = forkServer();
  const end = new Promise<RunEndedNotice>((resolve) =>
    second.conn.onNotification(Notifications.runEnded.method, (n: RunEndedNotice) => resolve(n)),
  );
  await initialize(second.conn);
  const resumed = await second.conn.sendRequest<RunStarted>(Requests.resume.method, {
    runDir,
    cacheDir: cache,
  });
  assert.equal(resumed.runId, runId);
  const notice = await end;
  await shutdown(second);
  assert.equal(notice.status, 'done', `${notice.error}\n${second.stderr.join('')}`);
  assert.equal(notice.epoch, CC_RUN.epochs);
  assert.equal(
    readFileSync(join(runDir, 'assignments.csv'), 'utf8'),
    readFileSync(join(reference, 'assignments.csv'), 'utf8'),
  );
});
