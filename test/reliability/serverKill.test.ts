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
  // A trainer that dies leaves a request or notification pending with nothing else alive: fail
  // with its stderr rather than as a test the event loop abandoned. (Its exit after the race is
  // expected: the kill, the shutdown.)
  const died = (server: typeof first, what: string) => {
    const p = new Promise<never>((_, reject) =>
      server.child.once('exit', (code, signal) =>
        reject(new Error(`the trainer exited (${code ?? signal}) ${what}:\n${server.stderr.join('')}`)),
      ),
    );
    p.catch(() => undefined);
    return p;
  };
  const { runId, runDir } = await Promise.race([
    first.conn.sendRequest<RunStarted>(Requests.train.method, {
      config,
      runsDir: join(tmp, 'runs'),
      cacheDir: cache,
    }),
    died(first, 'before answering the train request'),
  ]);
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
  const notice = await Promise.race([end, died(second, 'before the resumed run ended')]);
  await shutdown(second);
  assert.equal(notice.status, 'done', `${notice.error}\n${second.stderr.join('')}`);
  assert.equal(notice.epoch, CC_RUN.epochs);
  assert.equal(
    readFileSync(join(runDir, 'assignments.csv'), 'utf8'),
    readFileSync(join(reference, 'assignments.csv'), 'utf8'),
  );
});
